import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { JSONWebKeySet } from 'jose'
import { createApiKeyProvider } from './api-key.js'
import { FileApiKeyStore } from './api-key-file.js'
import { IdentityChain } from './chain.js'
import {
  identityConfigSchema,
  type ApiKeyConfig,
  type HeaderConfig,
  type IdentityProviderConfig,
  type JwtConfig,
} from './config.js'
import { formatFieldPath, IdentityConfigError } from './config-error.js'
import { createHeaderProvider } from './header.js'
import { createJwtProvider } from './jwt.js'
import { MIN_HMAC_SECRET_BYTES, type JwtKeySource } from './jwks.js'
import type { IdentityProvider } from './provider.js'
import { createStaticProvider } from './static.js'

export interface IdentityChainOptions {
  /** Relative paths in the config (keys_file, jwks_file, …) resolve from here. */
  baseDir: string
  /** Where `*_env` secrets are read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** `http` (default) refuses a static provider: it would vouch for every caller. */
  transport?: 'http' | 'stdio'
  /** This server's RFC 9728 resource; JWT audiences default to it and must match it. */
  resource?: string
}

/** Keys that would put a secret literal in warden.yaml; secrets come from env or files. */
const INLINE_SECRET_KEYS = ['secret', 'shared_secret']

/**
 * Builds the identity chain from the `identity:` config list, validating every option now
 * so that a bad one fails start-up (`ERR_IDENTITY_CONFIG_INVALID`, naming the field).
 */
export async function createIdentityChain(
  config: unknown,
  options: IdentityChainOptions,
): Promise<IdentityChain> {
  rejectInlineSecrets(config)
  const parsed = identityConfigSchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const extra = issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : []
    throw new IdentityConfigError(
      `identity${formatFieldPath([...issue.path, ...extra])}`,
      issue.message,
    )
  }
  const providers: IdentityProvider[] = []
  for (const [index, entry] of parsed.data.entries()) {
    try {
      providers.push(await buildProvider(entry, options))
    } catch (error) {
      if (error instanceof IdentityConfigError) throw error.within(`identity[${index}]`)
      throw error
    }
  }
  return new IdentityChain(providers)
}

async function buildProvider(
  entry: IdentityProviderConfig,
  options: IdentityChainOptions,
): Promise<IdentityProvider> {
  switch (entry.type) {
    case 'api_key':
      return buildApiKeyProvider(entry, options)
    case 'jwt':
      return buildJwtProvider(entry, options)
    case 'header':
      return buildHeaderProvider(entry, options)
    case 'static':
      if ((options.transport ?? 'http') === 'http') {
        throw new IdentityConfigError('type', 'a static principal is for stdio only')
      }
      return createStaticProvider(entry, entry.name ? { name: entry.name } : {})
  }
}

async function buildApiKeyProvider(
  entry: ApiKeyConfig,
  options: IdentityChainOptions,
): Promise<IdentityProvider> {
  const store = new FileApiKeyStore(resolve(options.baseDir, entry.keys_file))
  try {
    await store.load()
  } catch (error) {
    if (error instanceof IdentityConfigError) {
      throw new IdentityConfigError('keys_file', error.message)
    }
    throw error
  }
  return createApiKeyProvider({ store, header: entry.header, ...named(entry) })
}

async function buildJwtProvider(
  entry: JwtConfig,
  options: IdentityChainOptions,
): Promise<IdentityProvider> {
  const keys = await jwtKeySource(entry, options)
  if (entry.require_issuer && entry.issuer === undefined) {
    throw new IdentityConfigError('issuer', 'required (or set require_issuer: false)')
  }
  const audience = entry.audience ?? options.resource
  if (options.resource !== undefined) {
    const listed = typeof audience === 'string' ? [audience] : (audience ?? [])
    if (listed.length !== 1 || listed[0] !== options.resource) {
      throw new IdentityConfigError('audience', `must be this resource, ${options.resource}`)
    }
  }
  if (entry.require_audience && audience === undefined) {
    throw new IdentityConfigError('audience', 'required (or set require_audience: false)')
  }
  try {
    return await createJwtProvider({
      ...named(entry),
      keys,
      algorithms: entry.algorithms ?? (keys.kind === 'secret' ? ['HS256'] : ['RS256']),
      ...(entry.issuer !== undefined ? { issuer: entry.issuer } : {}),
      ...(audience !== undefined ? { audience } : {}),
      clockToleranceSeconds: entry.clock_tolerance / 1000,
      requiredClaims: entry.required_claims,
      userIdClaim: entry.user_id_claim,
      ...(entry.roles_claim !== undefined ? { rolesClaim: entry.roles_claim } : {}),
      scopeClaim: entry.scope_claim,
      ...(entry.agent_id_claim !== undefined ? { agentIdClaim: entry.agent_id_claim } : {}),
      requiredScopes: entry.required_scopes,
    })
  } catch (error) {
    // Key-set problems are reported inside the file that holds the keys.
    const inKeySet = error instanceof IdentityConfigError && error.field.startsWith('keys')
    throw inKeySet ? error.within('jwks_file') : error
  }
}

async function jwtKeySource(
  entry: JwtConfig,
  options: IdentityChainOptions,
): Promise<JwtKeySource> {
  const sources = (
    ['jwks_url', 'jwks_file', 'public_key', 'secret_env', 'secret_file'] as const
  ).filter((field) => entry[field] !== undefined)
  if (sources.length !== 1) {
    throw new IdentityConfigError(
      sources[1] ?? 'jwks_url',
      'exactly one of jwks_url, jwks_file, public_key, secret_env, secret_file is required',
    )
  }
  const remoteOnly = (['jwks_cooldown', 'jwks_cache_max_age', 'jwks_timeout'] as const).find(
    (field) => entry[field] !== undefined,
  )
  if (remoteOnly !== undefined && entry.jwks_url === undefined) {
    throw new IdentityConfigError(remoteOnly, 'applies only with jwks_url')
  }
  if (entry.jwks_url !== undefined) {
    return {
      kind: 'jwks_url',
      url: entry.jwks_url,
      ...(entry.jwks_cooldown !== undefined ? { cooldownMs: entry.jwks_cooldown } : {}),
      ...(entry.jwks_cache_max_age !== undefined
        ? { cacheMaxAgeMs: entry.jwks_cache_max_age }
        : {}),
      ...(entry.jwks_timeout !== undefined ? { timeoutMs: entry.jwks_timeout } : {}),
    }
  }
  if (entry.jwks_file !== undefined) {
    const text = await readConfigFile('jwks_file', entry.jwks_file, options)
    return { kind: 'jwks', jwks: parseKeySet(text) }
  }
  if (entry.public_key !== undefined) {
    const pem = entry.public_key.trimStart().startsWith('-----BEGIN')
      ? entry.public_key
      : await readConfigFile('public_key', entry.public_key, options)
    return { kind: 'public_key', pem }
  }
  const field = entry.secret_env !== undefined ? 'secret_env' : 'secret_file'
  const secret = new TextEncoder().encode(
    entry.secret_env !== undefined
      ? readEnvSecret(field, entry.secret_env, options)
      : (await readConfigFile(field, entry.secret_file!, options)).trim(),
  )
  if (secret.byteLength < MIN_HMAC_SECRET_BYTES) {
    throw new IdentityConfigError(
      field,
      `the secret must be at least ${MIN_HMAC_SECRET_BYTES} bytes`,
    )
  }
  return { kind: 'secret', secret }
}

async function buildHeaderProvider(
  entry: HeaderConfig,
  options: IdentityChainOptions,
): Promise<IdentityProvider> {
  if (entry.shared_secret_env !== undefined && entry.shared_secret_file !== undefined) {
    throw new IdentityConfigError(
      'shared_secret_file',
      'give shared_secret_env or shared_secret_file, not both',
    )
  }
  const secret =
    entry.shared_secret_env !== undefined
      ? readEnvSecret('shared_secret_env', entry.shared_secret_env, options)
      : entry.shared_secret_file !== undefined
        ? (await readConfigFile('shared_secret_file', entry.shared_secret_file, options)).trim()
        : undefined
  return createHeaderProvider({
    ...named(entry),
    trustedProxies: entry.trusted_proxies,
    ...(secret !== undefined
      ? { sharedSecret: { header: entry.shared_secret_header, value: secret } }
      : {}),
    userIdHeader: entry.user_id_header,
    rolesHeader: entry.roles_header,
    agentIdHeader: entry.agent_id_header,
  })
}

function parseKeySet(text: string): JSONWebKeySet {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new IdentityConfigError('jwks_file', 'is not JSON')
  }
  if (document !== null && typeof document === 'object' && 'kty' in document) {
    return { keys: [document as JSONWebKeySet['keys'][number]] }
  }
  return document as JSONWebKeySet
}

function readEnvSecret(field: string, variable: string, options: IdentityChainOptions): string {
  const value = (options.env ?? process.env)[variable]
  if (value === undefined || value === '') {
    throw new IdentityConfigError(field, `environment variable ${variable} is not set`)
  }
  return value
}

async function readConfigFile(
  field: string,
  path: string,
  options: IdentityChainOptions,
): Promise<string> {
  try {
    return await readFile(resolve(options.baseDir, path), 'utf8')
  } catch {
    throw new IdentityConfigError(field, `cannot read ${path}`)
  }
}

function rejectInlineSecrets(config: unknown): void {
  if (!Array.isArray(config)) return
  for (const [index, entry] of config.entries()) {
    if (entry === null || typeof entry !== 'object') continue
    const key = INLINE_SECRET_KEYS.find((candidate) => Object.hasOwn(entry, candidate))
    if (key !== undefined) {
      throw new IdentityConfigError(
        `identity[${index}].${key}`,
        `secrets are not written in the config: use ${key}_env (a variable name) or ${key}_file`,
      )
    }
  }
}

function named(entry: { name?: string | undefined }): { name?: string } {
  return entry.name !== undefined ? { name: entry.name } : {}
}
