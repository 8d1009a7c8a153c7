import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importSPKI,
  importX509,
  type CryptoKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose'
import { WardenError } from '../errors.js'
import { IdentityConfigError } from './config-error.js'
import { requireSecureUrl } from './secure-url.js'

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const

/** Where a JWT provider gets its verification keys. */
export type JwtKeySource =
  | {
      kind: 'jwks_url'
      url: string
      /** After a fetch, how long an unknown `kid` waits before it may trigger another. */
      cooldownMs?: number
      cacheMaxAgeMs?: number
      timeoutMs?: number
    }
  | { kind: 'jwks'; jwks: JSONWebKeySet }
  /** An SPKI public key or X.509 certificate, PEM-encoded. */
  | { kind: 'public_key'; pem: string }
  | { kind: 'secret'; secret: Uint8Array }

/** HS secrets shorter than the hash output are brute-forceable (RFC 7518 §3.2). */
export const MIN_HMAC_SECRET_BYTES = 32

/**
 * A jose key resolver for the source, after checking that the source and the algorithm
 * allowlist agree: a secret only with HS*, a public key only with asymmetric algorithms.
 */
export async function createJwtKeyResolver(
  source: JwtKeySource,
  algorithms: readonly string[],
): Promise<JWTVerifyGetKey> {
  checkAlgorithms(source, algorithms)
  switch (source.kind) {
    case 'secret':
      return secretResolver(source.secret)
    case 'jwks_url':
      return remoteResolver(source)
    case 'jwks':
      return localResolver(source.jwks)
    case 'public_key':
      return publicKeyResolver(source.pem, algorithms)
  }
}

function checkAlgorithms(source: JwtKeySource, algorithms: readonly string[]): void {
  if (algorithms.length === 0) {
    throw new IdentityConfigError('algorithms', 'at least one algorithm must be allowed')
  }
  const allowed: readonly string[] =
    source.kind === 'secret' ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
  for (const algorithm of algorithms) {
    if (!allowed.includes(algorithm)) {
      throw new IdentityConfigError(
        'algorithms',
        source.kind === 'secret'
          ? `${algorithm} cannot be used with a shared secret (allowed: ${allowed.join(', ')})`
          : `${algorithm} cannot be used with a public key (allowed: ${allowed.join(', ')})`,
      )
    }
  }
}

function secretResolver(secret: Uint8Array): JWTVerifyGetKey {
  if (secret.byteLength < MIN_HMAC_SECRET_BYTES) {
    throw new IdentityConfigError('secret', `must be at least ${MIN_HMAC_SECRET_BYTES} bytes`)
  }
  const key = new Uint8Array(secret)
  return async () => key
}

function remoteResolver(source: Extract<JwtKeySource, { kind: 'jwks_url' }>): JWTVerifyGetKey {
  const url = requireSecureUrl('jwks_url', source.url)
  const jwks = createRemoteJWKSet(url, {
    ...(source.cooldownMs !== undefined ? { cooldownDuration: source.cooldownMs } : {}),
    ...(source.cacheMaxAgeMs !== undefined ? { cacheMaxAge: source.cacheMaxAgeMs } : {}),
    ...(source.timeoutMs !== undefined ? { timeoutDuration: source.timeoutMs } : {}),
  })
  return async (header, token) => {
    try {
      return await jwks(header, token)
    } catch (error) {
      throw keySetError(error, 'ERR_JWKS_UNAVAILABLE', 'the JWKS endpoint could not be used')
    }
  }
}

function localResolver(jwks: JSONWebKeySet): JWTVerifyGetKey {
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) {
    throw new IdentityConfigError('keys', 'the key set holds no keys')
  }
  for (const [index, jwk] of jwks.keys.entries()) {
    if (jwk.kty === 'oct') {
      throw new IdentityConfigError(
        `keys[${index}]`,
        'a symmetric key cannot sit in a public key set',
      )
    }
    if ('d' in jwk) {
      throw new IdentityConfigError(
        `keys[${index}]`,
        'a private key cannot sit in a public key set',
      )
    }
  }
  let resolve: ReturnType<typeof createLocalJWKSet>
  try {
    resolve = createLocalJWKSet(jwks)
  } catch {
    throw new IdentityConfigError('keys', 'not a valid JSON Web Key Set')
  }
  return async (header, token) => {
    try {
      return await resolve(header, token)
    } catch (error) {
      throw keySetError(error, 'ERR_JWT_INVALID', 'no usable key for the token')
    }
  }
}

async function publicKeyResolver(
  pem: string,
  algorithms: readonly string[],
): Promise<JWTVerifyGetKey> {
  const keys = new Map<string, CryptoKey>()
  const isCertificate = pem.includes('-----BEGIN CERTIFICATE-----')
  if (!isCertificate && !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new IdentityConfigError('public_key', 'must be a PEM public key or certificate')
  }
  for (const algorithm of algorithms) {
    try {
      keys.set(algorithm, await (isCertificate ? importX509 : importSPKI)(pem, algorithm))
    } catch {
      throw new IdentityConfigError('algorithms', `${algorithm} does not fit the public key`)
    }
  }
  return async (header: JWSHeaderParameters) => {
    const key = header.alg !== undefined ? keys.get(header.alg) : undefined
    if (!key) throw new WardenError('ERR_JWT_ALG_NOT_ALLOWED', 'the token algorithm is not allowed')
    return key
  }
}

function keySetError(
  error: unknown,
  fallback: 'ERR_JWKS_UNAVAILABLE' | 'ERR_JWT_INVALID',
  message: string,
): WardenError {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') {
    return new WardenError('ERR_JWKS_NO_MATCHING_KEY', 'no key in the JWKS matches the token')
  }
  return new WardenError(fallback, message)
}
