import { SignJWT } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { createJwtProvider, type JwtProviderOptions } from '../../src/identity/jwt.js'
import type { IdentityProvider } from '../../src/identity/provider.js'
import { startJwksServer } from './jwks-server.js'
import { AUDIENCE, bearer, createSigningKey, ISSUER, rejection, signToken } from './tokens.js'

const rsa = await createSigningKey('rsa-1', 'RS256')
const ec = await createSigningKey('ec-1', 'ES256')
const jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk])
afterAll(() => jwks.close())

const base = { issuer: ISSUER, audience: AUDIENCE }
const remote = await createJwtProvider({
  ...base,
  keys: { kind: 'jwks_url', url: jwks.url, cooldownMs: 0 },
  algorithms: ['RS256', 'ES256'],
  rolesClaim: 'realm_access.roles',
  agentIdClaim: 'azp',
})
const validClaims = { realm_access: { roles: ['reader', 'auditor'] }, azp: 'claude' }

async function provider(options: Partial<JwtProviderOptions> = {}): Promise<IdentityProvider> {
  return createJwtProvider({
    ...base,
    keys: { kind: 'jwks', jwks: { keys: [rsa.publicJwk] } },
    algorithms: ['RS256'],
    ...options,
  })
}

describe('JWT verification', () => {
  it('rejects a token that is not valid yet', async () => {
    expect(await rejection(remote, await signToken(rsa, {}, { notBefore: 3600 }))).toBe(
      'ERR_JWT_NOT_YET_VALID',
    )
  })

  it('rejects a token from another issuer', async () => {
    expect(await rejection(remote, await signToken(rsa, {}, { issuer: 'https://evil.test' }))).toBe(
      'ERR_JWT_CLAIM_INVALID',
    )
  })

  it('rejects a token meant for another resource (RFC 8707 audience)', async () => {
    expect(
      await rejection(remote, await signToken(rsa, {}, { audience: 'https://other.test/mcp' })),
    ).toBe('ERR_JWT_CLAIM_INVALID')
  })

  it('rejects a token without exp', async () => {
    expect(await rejection(remote, await signToken(rsa, {}, { expiresIn: null }))).toBe(
      'ERR_JWT_CLAIM_INVALID',
    )
  })

  it('rejects a token missing a required claim', async () => {
    const strict = await provider({ requiredClaims: ['tenant'] })
    expect(await rejection(strict, await signToken(rsa))).toBe('ERR_JWT_CLAIM_INVALID')
    expect(
      (await strict.authenticate(bearer(await signToken(rsa, { tenant: 'acme' }))))?.claims.tenant,
    ).toBe('acme')
  })

  it('rejects a token without a user id claim', async () => {
    const byEmail = await provider({ userIdClaim: 'email' })
    expect(await rejection(byEmail, await signToken(rsa))).toBe('ERR_JWT_CLAIM_INVALID')
    expect(
      (await byEmail.authenticate(bearer(await signToken(rsa, { email: 'a@x.test' }))))?.user_id,
    ).toBe('a@x.test')
  })

  it('rejects an algorithm outside the allowlist even when a key would fit', async () => {
    const rsOnly = await provider({
      keys: { kind: 'jwks', jwks: { keys: [rsa.publicJwk, ec.publicJwk] } },
    })
    expect(await rejection(rsOnly, await signToken(ec))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
  })

  it('rejects HS256 signed with the JWKS public key (alg confusion)', async () => {
    const confused = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JSON.stringify(rsa.publicJwk)))
    expect(await rejection(remote, confused)).toBe('ERR_JWT_ALG_NOT_ALLOWED')
  })

  it('accepts a token that expired within the clock tolerance', async () => {
    const token = await signToken(rsa, {}, { expiresIn: -10 })
    expect(
      (await (await provider({ clockToleranceSeconds: 120 })).authenticate(bearer(token)))?.user_id,
    ).toBe('alice')
    expect(await rejection(await provider({ clockToleranceSeconds: 0 }), token)).toBe(
      'ERR_JWT_EXPIRED',
    )
  })

  it('exposes the full verified payload as claims', async () => {
    const context = await remote.authenticate(
      bearer(await signToken(rsa, { ...validClaims, tenant: 'acme' })),
    )
    expect(context?.claims).toMatchObject({
      sub: 'alice',
      iss: ISSUER,
      aud: AUDIENCE,
      tenant: 'acme',
      azp: 'claude',
    })
  })
})

describe('JWT claim mapping', () => {
  it('reads a nested roles claim by dotted path (Keycloak realm_access.roles)', async () => {
    const context = await remote.authenticate(
      bearer(await signToken(rsa, { realm_access: { roles: ['admin'] } })),
    )
    expect(context?.roles).toEqual(['admin'])
  })

  it('reads a URL-named claim as one key (Auth0 namespaced claims)', async () => {
    const auth0 = await provider({ rolesClaim: 'https://mcp.test/roles' })
    const context = await auth0.authenticate(
      bearer(await signToken(rsa, { 'https://mcp.test/roles': ['billing'] })),
    )
    expect(context?.roles).toEqual(['billing'])
  })

  it('accepts a roles claim written as a space-separated string', async () => {
    const context = await (
      await provider({ rolesClaim: 'roles' })
    ).authenticate(bearer(await signToken(rsa, { roles: 'reader writer' })))
    expect(context?.roles).toEqual(['reader', 'writer'])
  })

  it('gives no roles when the roles claim is absent', async () => {
    const context = await remote.authenticate(bearer(await signToken(rsa)))
    expect(context?.roles).toEqual([])
  })

  it('rejects a roles claim that is not strings', async () => {
    expect(await rejection(remote, await signToken(rsa, { realm_access: { roles: [1, 2] } }))).toBe(
      'ERR_JWT_CLAIM_INVALID',
    )
  })

  it('never reads an inherited property as a claim', async () => {
    const proto = await provider({ rolesClaim: 'realm_access.__proto__.toString' })
    const context = await proto.authenticate(bearer(await signToken(rsa, { realm_access: {} })))
    expect(context?.roles).toEqual([])
  })

  it('splits the scope string into scopes', async () => {
    const context = await remote.authenticate(
      bearer(await signToken(rsa, { scope: 'tools:call  tools:list' })),
    )
    expect(context?.scopes).toEqual(['tools:call', 'tools:list'])
  })

  it('reads scopes from another claim when configured (scp as a list)', async () => {
    const context = await (
      await provider({ scopeClaim: 'scp' })
    ).authenticate(bearer(await signToken(rsa, { scp: ['a', 'b'] })))
    expect(context?.scopes).toEqual(['a', 'b'])
  })

  it('answers a valid token without a required scope with ERR_INSUFFICIENT_SCOPE', async () => {
    const scoped = await provider({ requiredScopes: ['mcp:tools'] })
    expect(await rejection(scoped, await signToken(rsa, { scope: 'openid' }))).toBe(
      'ERR_INSUFFICIENT_SCOPE',
    )
    expect(
      (await scoped.authenticate(bearer(await signToken(rsa, { scope: 'openid mcp:tools' }))))
        ?.scopes,
    ).toContain('mcp:tools')
  })

  it('maps the agent id claim, and leaves agent_id unset without one', async () => {
    expect(
      (await remote.authenticate(bearer(await signToken(rsa, { azp: 'cursor' }))))?.agent_id,
    ).toBe('cursor')
    expect((await remote.authenticate(bearer(await signToken(rsa))))?.agent_id).toBeUndefined()
  })

  it('leaves a warden API key bearer to the API key provider', async () => {
    expect(await remote.authenticate(bearer('wk_' + 'a'.repeat(43)))).toBeNull()
  })
})
