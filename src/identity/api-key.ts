import * as crypto from 'node:crypto'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { WardenError } from '../errors.js'
import { createAuthContext, type AuthContext } from './auth-context.js'
import {
  readBearerToken,
  readHeader,
  type IdentityProvider,
  type IdentityRequest,
} from './provider.js'

/** Every warden API key starts with this, so a bearer token can be told from a JWT. */
export const API_KEY_MARKER = 'wk_'
const API_KEY_PATTERN = /^wk_[A-Za-z0-9_-]{43}$/
const PREFIX_LENGTH = 8

/** What is stored for a key: its SHA-256 hash and what it is bound to, never the key. */
export interface ApiKeyRecord {
  /** Lowercase hex SHA-256 of the whole key, `wk_` included. */
  hash: string
  /** The first characters after `wk_`, shown by `warden keys list` and used to revoke. */
  prefix: string
  user_id: string
  agent_id?: string
  roles: string[]
  created_at: string
  expires_at?: string
  revoked_at?: string
}

/** Where keys live. The YAML keys file implements it today; the store will later. */
export interface ApiKeyStore {
  /** The record whose `hash` equals the given SHA-256 hex, if any (revoked ones included). */
  lookup(hash: string): Promise<ApiKeyRecord | undefined>
}

export interface GeneratedApiKey {
  /** Shown to the operator once, then forgotten. */
  key: string
  hash: string
  prefix: string
}

export function generateApiKey(): GeneratedApiKey {
  const key = API_KEY_MARKER + randomBytes(32).toString('base64url')
  return { key, hash: hashApiKey(key), prefix: apiKeyPrefix(key) }
}

/** Node's one-shot digest (20.12+) allocates no Hash object per request; older Nodes lack it. */
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash

export function hashApiKey(key: string): string {
  if (oneShotHash) return oneShotHash('sha256', key, 'hex')
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export function apiKeyPrefix(key: string): string {
  return key.slice(API_KEY_MARKER.length, API_KEY_MARKER.length + PREFIX_LENGTH)
}

export function isApiKeyFormat(value: string): boolean {
  return API_KEY_PATTERN.test(value)
}

/** A store over records held in memory, looked up by hash. */
export function createMemoryApiKeyStore(records: readonly ApiKeyRecord[]): ApiKeyStore {
  const byHash = new Map(records.map((record) => [record.hash, record]))
  return { lookup: async (hash) => byHash.get(hash) }
}

export interface ApiKeyProviderOptions {
  store: ApiKeyStore
  name?: string
  /** The header carrying the key besides `Authorization: Bearer wk_…`; default `x-api-key`. */
  header?: string
  now?: () => Date
}

export function createApiKeyProvider(options: ApiKeyProviderOptions): IdentityProvider {
  const header = options.header ?? 'x-api-key'
  const now = options.now ?? (() => new Date())
  const contexts = contextCache()
  return {
    name: options.name ?? 'api_key',
    type: 'api_key',
    async authenticate(request: IdentityRequest): Promise<AuthContext | null> {
      const key = readApiKey(request, header)
      if (key === undefined) return null
      if (!isApiKeyFormat(key)) {
        throw new WardenError('ERR_API_KEY_INVALID', 'the API key is malformed')
      }
      const hash = hashApiKey(key)
      const record = await options.store.lookup(hash)
      if (!record || !sameHash(record.hash, hash)) {
        throw new WardenError('ERR_API_KEY_INVALID', 'the API key is not known')
      }
      if (record.revoked_at !== undefined) {
        throw new WardenError('ERR_API_KEY_REVOKED', `API key ${record.prefix} was revoked`)
      }
      if (record.expires_at !== undefined && !isBefore(now(), record.expires_at)) {
        throw new WardenError('ERR_API_KEY_EXPIRED', `API key ${record.prefix} has expired`)
      }
      return contexts.contextFor(record)
    },
  }
}

/**
 * The context a verified record proves, built once per record object: it is deeply frozen, so
 * every request of the key may share it. Reused only while the record still names the same
 * identity (a store that edits a record in place gets a fresh context); the key itself is
 * checked, and revocation and expiry read, on every request before this is reached.
 */
function contextCache(): { contextFor(record: ApiKeyRecord): AuthContext } {
  const built = new WeakMap<ApiKeyRecord, { context: AuthContext; roles: readonly string[] }>()
  return {
    contextFor(record) {
      const cached = built.get(record)
      if (cached && provesSame(cached.context, cached.roles, record)) return cached.context
      const context = createAuthContext({
        user_id: record.user_id,
        roles: record.roles,
        ...(record.agent_id !== undefined ? { agent_id: record.agent_id } : {}),
        claims: { key_prefix: record.prefix },
        method: 'api_key',
      })
      built.set(record, { context, roles: [...record.roles] })
      return context
    },
  }
}

function provesSame(context: AuthContext, roles: readonly string[], record: ApiKeyRecord): boolean {
  return (
    context.user_id === record.user_id &&
    context.agent_id === record.agent_id &&
    context.claims.key_prefix === record.prefix &&
    roles.length === record.roles.length &&
    roles.every((role, index) => role === record.roles[index])
  )
}

function readApiKey(request: IdentityRequest, header: string): string | undefined {
  const fromHeader = readHeader(request, header)
  const bearer = readBearerToken(request)
  const fromBearer = bearer?.startsWith(API_KEY_MARKER) ? bearer : undefined
  if (fromHeader !== undefined && fromBearer !== undefined && fromHeader !== fromBearer) {
    throw new WardenError('ERR_API_KEY_INVALID', 'two different API keys were sent')
  }
  return fromHeader ?? fromBearer
}

const DIGEST_BYTES = 32
/** Decoded into on every request (synchronously, so never shared by two): no per-request Buffers. */
const storedDigest = Buffer.alloc(DIGEST_BYTES)
const computedDigest = Buffer.alloc(DIGEST_BYTES)

/** Constant-time; anything but two complete SHA-256 hex digests is a mismatch. */
function sameHash(storedHex: string, computedHex: string): boolean {
  return (
    storedHex.length === DIGEST_BYTES * 2 &&
    computedHex.length === DIGEST_BYTES * 2 &&
    storedDigest.write(storedHex, 'hex') === DIGEST_BYTES &&
    computedDigest.write(computedHex, 'hex') === DIGEST_BYTES &&
    timingSafeEqual(storedDigest, computedDigest)
  )
}

/** An unparsable expiry counts as already expired: fail closed. */
function isBefore(instant: Date, iso: string): boolean {
  const limit = Date.parse(iso)
  return Number.isFinite(limit) && instant.getTime() < limit
}
