import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startJwksServer, type JwksServer } from '../identity/jwks-server.js'
import {
  AUDIENCE,
  createSigningKey,
  ISSUER,
  signToken,
  type SigningKey,
} from '../identity/tokens.js'
import { INITIALIZE, MCP_HEADERS } from '../mcp/proxy/proxy-harness.js'
import { faultUpstream, startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'

const POLICY = `
name: jwks
default_effect: deny
rules:
  - { name: everyone, effect: allow, actions: [list, call] }
`

/** How long the proxy may use a fetched key set (`jwks_cache_max_age`). */
const CACHE_MAX_AGE_MS = 60_000

describe('fault: the JWKS endpoint goes down', () => {
  let key: SigningKey
  let jwks: JwksServer
  let started: FaultProxy
  let token: string

  beforeAll(async () => {
    key = await createSigningKey('rsa-1', 'RS256')
    jwks = await startJwksServer([key.publicJwk])
    started = await startFaultProxy({
      policy: POLICY,
      config: {
        upstreams: { hanging: faultUpstream('hanging-upstream') },
        identity: [
          {
            type: 'jwt',
            jwks_url: jwks.url,
            issuer: ISSUER,
            audience: AUDIENCE,
            algorithms: ['RS256'],
            jwks_cache_max_age: `${CACHE_MAX_AGE_MS / 1000}s`,
          },
        ],
      },
    })
    token = await signToken(key, {}, { expiresIn: 24 * 3600 })
  })
  afterAll(async () => {
    await started?.close()
    await jwks?.close()
  })
  // Only Date is faked: the key cache reads it, while sockets and timers run for real. Each
  // test starts later than the last one ended, on a key set that is stale by then.
  let clock = Date.now()
  const startClock = () => {
    clock += 10 * CACHE_MAX_AGE_MS
    vi.useFakeTimers({ toFake: ['Date'], now: clock })
  }
  const advance = (ms: number) => {
    clock += ms
    vi.setSystemTime(clock)
  }
  afterEach(() => {
    vi.useRealTimers()
    jwks.failWith(undefined)
  })

  const initialize = () =>
    fetch(started.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify(INITIALIZE),
    })

  it('keeps accepting tokens with the cached keys while they are fresh', async () => {
    startClock()
    const client = await started.client({ authorization: `Bearer ${token}` })
    const fetched = jwks.fetches
    jwks.failWith(503)
    advance(CACHE_MAX_AGE_MS - 5_000)
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'cached' } }))).toBe(
      'cached',
    )
    const fresh = await initialize()
    await fresh.body?.cancel()
    expect(fresh.status).toBe(200)
    expect(jwks.fetches).toBe(fetched)
  })

  it('refuses with 401 once the cached keys expire and cannot be refetched, then recovers', async () => {
    startClock()
    const warm = await initialize()
    await warm.body?.cancel()
    expect(warm.status).toBe(200)
    jwks.failWith(503)
    advance(CACHE_MAX_AGE_MS + 1_000)
    const refused = await initialize()
    expect(refused.status).toBe(401)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(((await refused.json()) as { code: string }).code).toBe('ERR_JWKS_UNAVAILABLE')
    jwks.failWith(undefined)
    const back = await initialize()
    await back.body?.cancel()
    expect(back.status).toBe(200)
  })

  // Every request is authenticated again, so an open session is refused as well.
  it('refuses an already open session once the keys expire and the endpoint is down', async () => {
    startClock()
    const client = await started.client({ authorization: `Bearer ${token}` })
    jwks.failWith(503)
    advance(CACHE_MAX_AGE_MS + 1_000)
    await expect(client.callTool({ name: 'echo', arguments: { text: 'late' } })).rejects.toThrow()
  })
})
