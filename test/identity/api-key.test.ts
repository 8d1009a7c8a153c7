import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import {
  createApiKeyProvider,
  createMemoryApiKeyStore,
  generateApiKey,
  hashApiKey,
  type ApiKeyRecord,
} from '../../src/identity/api-key.js'
import { describeProviderContract } from './provider-contract.js'

const CREATED = '2025-01-01T00:00:00.000Z'

function recordFor(
  generated: { hash: string; prefix: string },
  extra: Partial<ApiKeyRecord> = {},
): ApiKeyRecord {
  return {
    hash: generated.hash,
    prefix: generated.prefix,
    user_id: 'alice',
    agent_id: 'claude',
    roles: ['reader', 'auditor'],
    created_at: CREATED,
    ...extra,
  }
}

const active = generateApiKey()
const revoked = generateApiKey()
const expired = generateApiKey()
const unknown = generateApiKey()
const store = createMemoryApiKeyStore([
  recordFor(active),
  recordFor(revoked, { revoked_at: '2025-02-01T00:00:00.000Z' }),
  recordFor(expired, { expires_at: '2025-03-01T00:00:00.000Z' }),
])
const provider = createApiKeyProvider({ store, now: () => new Date('2025-06-01T00:00:00Z') })

describeProviderContract('api_key', {
  provider,
  valid: { headers: { 'x-api-key': active.key } },
  expected: { user_id: 'alice', roles: ['reader', 'auditor'], agent_id: 'claude' },
  absent: { headers: { accept: 'application/json' } },
  invalid: [
    {
      name: 'an unknown key',
      request: { headers: { 'x-api-key': unknown.key } },
      code: 'ERR_API_KEY_INVALID',
    },
    {
      name: 'a malformed key',
      request: { headers: { 'x-api-key': 'wk_short' } },
      code: 'ERR_API_KEY_INVALID',
    },
    {
      name: 'an empty key header',
      request: { headers: { 'x-api-key': '' } },
      code: 'ERR_API_KEY_INVALID',
    },
    {
      name: 'a revoked key',
      request: { headers: { 'x-api-key': revoked.key } },
      code: 'ERR_API_KEY_REVOKED',
    },
    {
      name: 'an expired key',
      request: { headers: { 'x-api-key': expired.key } },
      code: 'ERR_API_KEY_EXPIRED',
    },
    {
      name: 'two different keys',
      request: { headers: { 'x-api-key': active.key, authorization: `Bearer ${unknown.key}` } },
      code: 'ERR_API_KEY_INVALID',
    },
  ],
  secrets: [active.key, revoked.key, expired.key, unknown.key],
  ignoresIdentityHeaders: true,
})

describe('API keys', () => {
  it('look like wk_ followed by 43 base64url characters and are stored as SHA-256 hex', () => {
    const generated = generateApiKey()
    expect(generated.key).toMatch(/^wk_[A-Za-z0-9_-]{43}$/)
    expect(generated.hash).toBe(createHash('sha256').update(generated.key).digest('hex'))
    expect(hashApiKey(generated.key)).toBe(generated.hash)
    expect(generated.prefix).toBe(generated.key.slice(3, 11))
  })

  it('are read from Authorization: Bearer wk_… as well as X-API-Key', async () => {
    const context = await provider.authenticate({
      headers: { authorization: `Bearer ${active.key}` },
    })
    expect(context?.user_id).toBe('alice')
    expect(context?.method).toBe('api_key')
  })

  it('read header names case-insensitively', async () => {
    const context = await provider.authenticate({ headers: { 'X-Api-Key': active.key } })
    expect(context?.user_id).toBe('alice')
  })

  it('leave a bearer token that is not a warden key to another provider', async () => {
    expect(await provider.authenticate({ headers: { authorization: 'Bearer eyJ.x.y' } })).toBeNull()
  })

  it('name the key by its prefix in the context, never by the key', async () => {
    const context = await provider.authenticate({ headers: { 'x-api-key': active.key } })
    expect(context?.claims).toEqual({ key_prefix: active.prefix })
  })

  it('accept a key until the instant it expires', async () => {
    const atExpiry = createApiKeyProvider({ store, now: () => new Date('2025-03-01T00:00:00Z') })
    const before = createApiKeyProvider({ store, now: () => new Date('2025-02-28T23:59:59Z') })
    const request = { headers: { 'x-api-key': expired.key } }
    expect((await before.authenticate(request))?.user_id).toBe('alice')
    await expect(atExpiry.authenticate(request)).rejects.toMatchObject({
      code: 'ERR_API_KEY_EXPIRED',
    })
  })

  it('reject a record whose stored hash differs from the key hash', async () => {
    const lying = createApiKeyProvider({
      store: { lookup: async () => recordFor({ hash: '0'.repeat(64), prefix: 'AAAAAAAA' }) },
    })
    const error = await lying
      .authenticate({ headers: { 'x-api-key': active.key } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ERR_API_KEY_INVALID')
  })

  it('reject a stored hash that is not a complete digest, even one that starts right', async () => {
    await provider.authenticate({ headers: { 'x-api-key': active.key } })
    for (const hash of [`${active.hash.slice(0, 62)}zz`, active.hash.slice(0, 62)]) {
      const broken = createApiKeyProvider({
        store: { lookup: async () => recordFor({ hash, prefix: active.prefix }) },
      })
      await expect(
        broken.authenticate({ headers: { 'x-api-key': active.key } }),
      ).rejects.toMatchObject({ code: 'ERR_API_KEY_INVALID' })
    }
  })

  it('reject a header sent twice with different values', async () => {
    await expect(
      provider.authenticate({ headers: { 'x-api-key': [active.key, unknown.key] } }),
    ).rejects.toMatchObject({ code: 'ERR_AUTH_INVALID' })
  })

  it('reuse one frozen context for the requests of a key whose record is unchanged', async () => {
    const request = { headers: { 'x-api-key': active.key } }
    const first = await provider.authenticate(request)
    const second = await provider.authenticate(request)
    expect(second).toBe(first)
    expect(Object.isFrozen(first?.claims)).toBe(true)
  })

  it('refuse a key revoked in place after its requests were accepted', async () => {
    const generated = generateApiKey()
    const record = recordFor(generated)
    const mutable = createApiKeyProvider({ store: createMemoryApiKeyStore([record]) })
    const request = { headers: { 'x-api-key': generated.key } }
    expect((await mutable.authenticate(request))?.user_id).toBe('alice')
    record.revoked_at = '2025-02-01T00:00:00.000Z'
    await expect(mutable.authenticate(request)).rejects.toMatchObject({
      code: 'ERR_API_KEY_REVOKED',
    })
  })

  it('refuse a key once it expires, after its earlier requests were accepted', async () => {
    let now = new Date('2025-02-28T23:59:59Z')
    const clocked = createApiKeyProvider({ store, now: () => now })
    const request = { headers: { 'x-api-key': expired.key } }
    expect((await clocked.authenticate(request))?.user_id).toBe('alice')
    now = new Date('2025-03-01T00:00:00Z')
    await expect(clocked.authenticate(request)).rejects.toMatchObject({
      code: 'ERR_API_KEY_EXPIRED',
    })
  })

  it('build a new context when the record bound to a key is edited in place', async () => {
    const generated = generateApiKey()
    const record = recordFor(generated)
    const mutable = createApiKeyProvider({ store: createMemoryApiKeyStore([record]) })
    const request = { headers: { 'x-api-key': generated.key } }
    const before = await mutable.authenticate(request)
    record.roles = ['reader']
    record.user_id = 'bob'
    const after = await mutable.authenticate(request)
    expect(after).not.toBe(before)
    expect(after).toMatchObject({ user_id: 'bob', roles: ['reader'] })
    expect(before).toMatchObject({ user_id: 'alice', roles: ['reader', 'auditor'] })
  })
})
