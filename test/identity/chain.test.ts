import { describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import {
  createApiKeyProvider,
  createMemoryApiKeyStore,
  generateApiKey,
} from '../../src/identity/api-key.js'
import { IdentityChain } from '../../src/identity/chain.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'
import { createHeaderProvider } from '../../src/identity/header.js'
import { createJwtProvider } from '../../src/identity/jwt.js'
import type { IdentityProvider, IdentityRequest } from '../../src/identity/provider.js'
import { createStaticProvider } from '../../src/identity/static.js'
import { AUDIENCE, createSigningKey, ISSUER, signToken } from './tokens.js'

const key = generateApiKey()
const apiKeys = createApiKeyProvider({
  store: createMemoryApiKeyStore([
    {
      hash: key.hash,
      prefix: key.prefix,
      user_id: 'svc-bot',
      agent_id: 'bot',
      roles: ['service'],
      created_at: '2025-01-01T00:00:00Z',
    },
  ]),
})
const signing = await createSigningKey('k1')
const jwt = await createJwtProvider({
  keys: { kind: 'jwks', jwks: { keys: [signing.publicJwk] } },
  algorithms: ['RS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  rolesClaim: 'roles',
})
const headers = createHeaderProvider({ trustedProxies: ['127.0.0.1'] })
const token = await signToken(signing, { roles: ['user'] })

async function codeOf(chain: IdentityChain, request: IdentityRequest): Promise<string | undefined> {
  return chain.authenticate(request).then(
    () => undefined,
    (error: unknown) => (error instanceof WardenError ? error.code : 'not a WardenError'),
  )
}

describe('the identity chain', () => {
  it('lets the first provider that finds its credential decide', async () => {
    const request = { headers: { 'x-api-key': key.key, authorization: `Bearer ${token}` } }
    expect((await new IdentityChain([apiKeys, jwt]).authenticate(request)).method).toBe('api_key')
    expect((await new IdentityChain([jwt, apiKeys]).authenticate(request)).method).toBe('jwt')
  })

  it('passes over providers whose credential is absent', async () => {
    const context = await new IdentityChain([apiKeys, jwt]).authenticate({
      headers: { authorization: `Bearer ${token}` },
    })
    expect(context).toMatchObject({ user_id: 'alice', roles: ['user'], method: 'jwt' })
  })

  it('never falls through from an invalid credential to a later provider', async () => {
    const chain = new IdentityChain([apiKeys, jwt])
    const request = {
      headers: { 'x-api-key': generateApiKey().key, authorization: `Bearer ${token}` },
    }
    expect(await codeOf(chain, request)).toBe('ERR_API_KEY_INVALID')
  })

  it('never lets trusted headers override a verified token ahead of them', async () => {
    const chain = new IdentityChain([jwt, headers])
    const context = await chain.authenticate({
      headers: {
        authorization: `Bearer ${token}`,
        'x-user-id': 'mallory',
        'x-user-roles': 'admin',
      },
      remoteAddress: '127.0.0.1',
    })
    expect(context).toMatchObject({ user_id: 'alice', roles: ['user'], method: 'jwt' })
  })

  it('answers a request without any credential with ERR_AUTH_MISSING', async () => {
    expect(await codeOf(new IdentityChain([apiKeys, jwt]), { headers: {} })).toBe(
      'ERR_AUTH_MISSING',
    )
  })

  it('answers a credential no provider accepts with ERR_AUTH_INVALID', async () => {
    const chain = new IdentityChain([apiKeys])
    expect(await codeOf(chain, { headers: { authorization: 'Basic YWxpY2U6cHc=' } })).toBe(
      'ERR_AUTH_INVALID',
    )
    expect(await codeOf(chain, { headers: { authorization: `Bearer ${token}` } })).toBe(
      'ERR_AUTH_INVALID',
    )
  })

  it('turns an unexpected provider failure into ERR_INTERNAL', async () => {
    const broken: IdentityProvider = {
      name: 'broken',
      type: 'api_key',
      authenticate: async () => {
        throw new TypeError('boom')
      },
    }
    expect(await codeOf(new IdentityChain([broken]), { headers: {} })).toBe('ERR_INTERNAL')
  })

  it('uses the static principal only when it comes last', async () => {
    const operator = createStaticProvider({ user_id: 'op', roles: ['admin'] })
    expect((await new IdentityChain([jwt, operator]).authenticate({ headers: {} })).user_id).toBe(
      'op',
    )
    expect(() => new IdentityChain([operator, jwt])).toThrow(IdentityConfigError)
  })

  it('refuses to be built without providers', () => {
    expect(() => new IdentityChain([])).toThrow(IdentityConfigError)
  })

  it('closes every provider that holds resources', async () => {
    let closed = 0
    const closable: IdentityProvider = { ...apiKeys, close: async () => void (closed += 1) }
    await new IdentityChain([closable, jwt]).close()
    expect(closed).toBe(1)
  })
})
