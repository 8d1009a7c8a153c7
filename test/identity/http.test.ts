import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createApiKeyProvider,
  createMemoryApiKeyStore,
  generateApiKey,
} from '../../src/identity/api-key.js'
import { IdentityChain } from '../../src/identity/chain.js'
import { createHeaderProvider } from '../../src/identity/header.js'
import { authChallenge } from '../../src/identity/http-challenge.js'
import { createJwtProvider } from '../../src/identity/jwt.js'
import {
  createProtectedResourceHandler,
  protectedResourceMetadataUrl,
} from '../../src/identity/protected-resource.js'
import { identityRequestFrom } from '../../src/identity/provider.js'
import { startJwksServer, type JwksServer } from './jwks-server.js'
import { createSigningKey, ISSUER, signToken } from './tokens.js'

const AUTH_SERVER = 'https://idp.test'
const rsa = await createSigningKey('rsa-1')
const revoked = generateApiKey()

/** A real node:http server standing in for the proxy's HTTP listener. */
async function startProtectedServer(makeChain: (resource: string) => Promise<IdentityChain>) {
  // Filled in once the port is known; the handler below reads them per request.
  const late: {
    chain?: IdentityChain
    metadata?: ReturnType<typeof createProtectedResourceHandler>
  } = {}
  let resourceMetadataUrl = ''
  const server: Server = createServer(async (request, response) => {
    if (late.metadata!(request, response)) return
    try {
      const context = await late.chain!.authenticate(identityRequestFrom(request))
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(context))
    } catch (error) {
      const challenge = authChallenge(error, { resourceMetadataUrl })
      response.writeHead(challenge.status, challenge.headers)
      response.end(JSON.stringify(challenge.body))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const resource = `${origin}/mcp`
  resourceMetadataUrl = protectedResourceMetadataUrl(resource)
  late.metadata = createProtectedResourceHandler({
    resource,
    authorization_servers: [AUTH_SERVER],
    scopes_supported: ['mcp:tools'],
  })
  late.chain = await makeChain(resource)
  return {
    origin,
    resource,
    resourceMetadataUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let jwks: JwksServer
let app: Awaited<ReturnType<typeof startProtectedServer>>

beforeAll(async () => {
  jwks = await startJwksServer([rsa.publicJwk])
  app = await startProtectedServer(async (resource) => {
    const apiKeys = createApiKeyProvider({
      store: createMemoryApiKeyStore([
        {
          hash: revoked.hash,
          prefix: revoked.prefix,
          user_id: 'bot',
          roles: [],
          created_at: '2025-01-01T00:00:00Z',
          revoked_at: '2025-02-01T00:00:00Z',
        },
      ]),
    })
    const jwt = await createJwtProvider({
      keys: { kind: 'jwks_url', url: jwks.url },
      algorithms: ['RS256'],
      issuer: ISSUER,
      audience: resource,
      requiredScopes: ['mcp:tools'],
    })
    return new IdentityChain([apiKeys, jwt])
  })
})
afterAll(async () => {
  await app.close()
  await jwks.close()
})

async function bodyCode(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code
}

const call = (token?: string) =>
  fetch(`${app.origin}/mcp`, token ? { headers: { authorization: `Bearer ${token}` } } : {})

describe('the HTTP surface', () => {
  it('serves RFC 9728 metadata at the path-inserted well-known URL', async () => {
    expect(app.resourceMetadataUrl).toBe(`${app.origin}/.well-known/oauth-protected-resource/mcp`)
    const response = await fetch(app.resourceMetadataUrl)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({
      resource: app.resource,
      authorization_servers: [AUTH_SERVER],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
    })
  })

  it('serves the same metadata at the bare well-known URL', async () => {
    const response = await fetch(`${app.origin}/.well-known/oauth-protected-resource`)
    expect(((await response.json()) as { resource: string }).resource).toBe(app.resource)
  })

  it('answers other methods on the metadata URL with 405', async () => {
    const response = await fetch(app.resourceMetadataUrl, { method: 'POST' })
    expect(response.status).toBe(405)
  })

  it('answers a request without a credential with 401 and the resource metadata URL', async () => {
    const response = await call()
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${app.resourceMetadataUrl}"`,
    )
    expect(await bodyCode(response)).toBe('ERR_AUTH_MISSING')
  })

  it('answers a bad token with 401 and error="invalid_token"', async () => {
    const response = await call('not.a.jwt')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${app.resourceMetadataUrl}", error="invalid_token"`,
    )
    expect(await bodyCode(response)).toBe('ERR_JWT_INVALID')
  })

  it('answers an expired token with 401 ERR_JWT_EXPIRED and never echoes the token', async () => {
    const token = await signToken(
      rsa,
      { scope: 'mcp:tools' },
      { audience: app.resource, expiresIn: -600 },
    )
    const response = await call(token)
    const text = await response.text()
    expect(response.status).toBe(401)
    expect(JSON.parse(text).code).toBe('ERR_JWT_EXPIRED')
    expect(text).not.toContain(token)
    expect(response.headers.get('www-authenticate')).not.toContain(token)
  })

  it('rejects a token issued for another resource (RFC 8707)', async () => {
    const token = await signToken(
      rsa,
      { scope: 'mcp:tools' },
      { audience: 'https://other.test/mcp' },
    )
    const response = await call(token)
    expect(response.status).toBe(401)
    expect(await bodyCode(response)).toBe('ERR_JWT_CLAIM_INVALID')
  })

  it('answers a valid token without the needed scope with 403 insufficient_scope', async () => {
    const token = await signToken(rsa, { scope: 'openid' }, { audience: app.resource })
    const response = await call(token)
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${app.resourceMetadataUrl}", error="insufficient_scope", scope="mcp:tools"`,
    )
    expect(await bodyCode(response)).toBe('ERR_INSUFFICIENT_SCOPE')
  })

  it('lets a valid token with the scope through', async () => {
    const token = await signToken(rsa, { scope: 'mcp:tools' }, { audience: app.resource })
    const response = await call(token)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      user_id: 'alice',
      method: 'jwt',
      scopes: ['mcp:tools'],
    })
  })

  it('answers a revoked API key with 401 ERR_API_KEY_REVOKED', async () => {
    const response = await fetch(`${app.origin}/mcp`, { headers: { 'x-api-key': revoked.key } })
    expect(response.status).toBe(401)
    expect(await bodyCode(response)).toBe('ERR_API_KEY_REVOKED')
  })

  it('answers 401 invalid_token with Retry-After when the key set cannot be fetched', async () => {
    const down = await startJwksServer([])
    down.failWith(502)
    const outage = await startProtectedServer(
      async (resource) =>
        new IdentityChain([
          await createJwtProvider({
            keys: { kind: 'jwks_url', url: down.url },
            algorithms: ['RS256'],
            issuer: ISSUER,
            audience: resource,
          }),
        ]),
    )
    try {
      const token = await signToken(rsa, {}, { audience: outage.resource })
      const response = await fetch(`${outage.origin}/mcp`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('retry-after')).toBe('5')
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
      expect(await bodyCode(response)).toBe('ERR_JWKS_UNAVAILABLE')
    } finally {
      await outage.close()
      await down.close()
    }
  })
})

describe('trusted headers over real sockets', () => {
  it('accepts identity headers from a trusted address (127.0.0.1)', async () => {
    const trusted = await startProtectedServer(
      async () => new IdentityChain([createHeaderProvider({ trustedProxies: ['127.0.0.1/32'] })]),
    )
    try {
      const response = await fetch(`${trusted.origin}/mcp`, {
        headers: { 'x-user-id': 'carol', 'x-user-roles': 'reader' },
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({
        user_id: 'carol',
        roles: ['reader'],
        method: 'header',
      })
    } finally {
      await trusted.close()
    }
  })

  it('rejects identity headers from an address outside the trusted ranges', async () => {
    const untrusted = await startProtectedServer(
      async () => new IdentityChain([createHeaderProvider({ trustedProxies: ['10.0.0.0/8'] })]),
    )
    try {
      const response = await fetch(`${untrusted.origin}/mcp`, { headers: { 'x-user-id': 'carol' } })
      expect(response.status).toBe(401)
      expect(await bodyCode(response)).toBe('ERR_HEADER_UNTRUSTED')
    } finally {
      await untrusted.close()
    }
  })
})
