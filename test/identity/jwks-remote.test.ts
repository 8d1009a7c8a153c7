import { afterAll, describe, expect, it } from 'vitest'
import { createJwtProvider } from '../../src/identity/jwt.js'
import { startJwksServer } from './jwks-server.js'
import { AUDIENCE, bearer, createSigningKey, ISSUER, rejection, signToken } from './tokens.js'

const rsa = await createSigningKey('rsa-1', 'RS256')
const ec = await createSigningKey('ec-1', 'ES256')
const jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk])
afterAll(() => jwks.close())

const base = { issuer: ISSUER, audience: AUDIENCE }
const remote = await createJwtProvider({
  ...base,
  keys: { kind: 'jwks_url', url: jwks.url },
  algorithms: ['RS256', 'ES256'],
})

describe('remote JWKS', () => {
  it('refetches the key set when a token names a new kid (rotation)', async () => {
    const server = await startJwksServer([rsa.publicJwk])
    try {
      const rotating = await createJwtProvider({
        ...base,
        keys: { kind: 'jwks_url', url: server.url, cooldownMs: 0 },
        algorithms: ['RS256'],
      })
      expect((await rotating.authenticate(bearer(await signToken(rsa))))?.user_id).toBe('alice')
      expect(server.fetches).toBe(1)
      const next = await createSigningKey('rsa-2')
      server.setKeys([next.publicJwk])
      expect((await rotating.authenticate(bearer(await signToken(next))))?.user_id).toBe('alice')
      expect(server.fetches).toBe(2)
      expect((await rotating.authenticate(bearer(await signToken(next))))?.user_id).toBe('alice')
      expect(server.fetches).toBe(2)
    } finally {
      await server.close()
    }
  })

  it('does not refetch for an unknown kid during the cooldown', async () => {
    const server = await startJwksServer([rsa.publicJwk])
    try {
      const cooling = await createJwtProvider({
        ...base,
        keys: { kind: 'jwks_url', url: server.url, cooldownMs: 3_600_000 },
        algorithms: ['RS256'],
      })
      await cooling.authenticate(bearer(await signToken(rsa)))
      const next = await createSigningKey('rsa-3')
      server.setKeys([rsa.publicJwk, next.publicJwk])
      expect(await rejection(cooling, await signToken(next))).toBe('ERR_JWKS_NO_MATCHING_KEY')
      expect(server.fetches).toBe(1)
    } finally {
      await server.close()
    }
  })

  it('reports ERR_JWKS_UNAVAILABLE when the JWKS endpoint fails', async () => {
    const server = await startJwksServer([rsa.publicJwk])
    try {
      server.failWith(500)
      const failing = await createJwtProvider({
        ...base,
        keys: { kind: 'jwks_url', url: server.url },
        algorithms: ['RS256'],
      })
      expect(await rejection(failing, await signToken(rsa))).toBe('ERR_JWKS_UNAVAILABLE')
    } finally {
      await server.close()
    }
  })

  it('reports ERR_JWKS_UNAVAILABLE when nothing listens at the JWKS URL', async () => {
    const server = await startJwksServer([])
    const url = server.url
    await server.close()
    const unreachable = await createJwtProvider({
      ...base,
      keys: { kind: 'jwks_url', url },
      algorithms: ['RS256'],
    })
    expect(await rejection(unreachable, await signToken(rsa))).toBe('ERR_JWKS_UNAVAILABLE')
  })

  it('rejects a token without a kid when several keys in the set fit it', async () => {
    const other = await createSigningKey('rsa-9')
    const server = await startJwksServer([rsa.publicJwk, other.publicJwk])
    try {
      const ambiguous = await createJwtProvider({
        ...base,
        keys: { kind: 'jwks_url', url: server.url },
        algorithms: ['RS256'],
      })
      expect(await rejection(ambiguous, await signToken(rsa, {}, { kid: null }))).toBe(
        'ERR_JWKS_NO_MATCHING_KEY',
      )
    } finally {
      await server.close()
    }
  })

  it('accepts a token without a kid when exactly one key fits its algorithm', async () => {
    const context = await remote.authenticate(bearer(await signToken(rsa, {}, { kid: null })))
    expect(context?.user_id).toBe('alice')
  })
})
