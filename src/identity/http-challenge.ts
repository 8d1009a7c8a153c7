import { WardenError, type WardenErrorCode } from '../errors.js'
import { InsufficientScopeError } from './scope.js'

export interface AuthChallengeOptions {
  /** The RFC 9728 metadata URL, from `protectedResourceMetadataUrl(resource)`. */
  resourceMetadataUrl?: string
}

export interface AuthChallengeResponse {
  status: number
  headers: Record<string, string>
  body: { error: string; error_description?: string; code: WardenErrorCode }
}

const UNAUTHENTICATED = new Set<WardenErrorCode>([
  'ERR_AUTH_INVALID',
  'ERR_API_KEY_INVALID',
  'ERR_API_KEY_EXPIRED',
  'ERR_API_KEY_REVOKED',
  'ERR_JWT_INVALID',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_CLAIM_INVALID',
  'ERR_JWT_ALG_NOT_ALLOWED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_HEADER_UNTRUSTED',
])

/**
 * The HTTP answer to an identity failure (RFC 6750 §3, RFC 9728 §5.1): 401 with a Bearer
 * challenge pointing at the resource metadata (also when the key set cannot be fetched, with
 * Retry-After), 403 for missing scope, 500 otherwise. Our error messages never carry a credential.
 */
export function authChallenge(
  error: unknown,
  options: AuthChallengeOptions = {},
): AuthChallengeResponse {
  const json = { 'content-type': 'application/json' }
  if (!(error instanceof WardenError)) {
    return { status: 500, headers: json, body: { error: 'server_error', code: 'ERR_INTERNAL' } }
  }
  const { code, message: description } = error
  if (code === 'ERR_AUTH_MISSING') {
    return {
      status: 401,
      headers: { ...json, 'www-authenticate': bearer(options, {}) },
      body: { error: 'unauthorized', error_description: description, code },
    }
  }
  if (UNAUTHENTICATED.has(code)) {
    return {
      status: 401,
      headers: { ...json, 'www-authenticate': bearer(options, { error: 'invalid_token' }) },
      body: { error: 'invalid_token', error_description: description, code },
    }
  }
  if (code === 'ERR_JWKS_UNAVAILABLE') {
    // The token cannot be verified, so it is refused (fail closed) as Envoy's jwt_authn does;
    // Retry-After tells a client the cause is ours and passes, not its token.
    return {
      status: 401,
      headers: {
        ...json,
        'www-authenticate': bearer(options, {
          error: 'invalid_token',
          error_description: 'the signing keys cannot be fetched; retry later',
        }),
        'retry-after': '5',
      },
      body: { error: 'invalid_token', error_description: description, code },
    }
  }
  if (code === 'ERR_INSUFFICIENT_SCOPE') {
    const required = error instanceof InsufficientScopeError ? error.required : []
    const parameters = {
      error: 'insufficient_scope',
      ...(required.length > 0 ? { scope: required.join(' ') } : {}),
    }
    return {
      status: 403,
      headers: { ...json, 'www-authenticate': bearer(options, parameters) },
      body: { error: 'insufficient_scope', error_description: description, code },
    }
  }
  return { status: 500, headers: json, body: { error: 'server_error', code } }
}

function bearer(options: AuthChallengeOptions, parameters: Record<string, string>): string {
  const all = {
    ...(options.resourceMetadataUrl ? { resource_metadata: options.resourceMetadataUrl } : {}),
    ...parameters,
  }
  const rendered = Object.entries(all).map(([key, value]) => `${key}="${quote(value)}"`)
  return rendered.length > 0 ? `Bearer ${rendered.join(', ')}` : 'Bearer'
}

function quote(value: string): string {
  return value.replace(/["\\]/g, '\\$&')
}
