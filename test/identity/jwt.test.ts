import { UnsecuredJWT } from 'jose'
import { afterAll } from 'vitest'
import { createJwtProvider } from '../../src/identity/jwt.js'
import { startJwksServer } from './jwks-server.js'
import { describeProviderContract, type InvalidCredentialCase } from './provider-contract.js'
import { AUDIENCE, bearer, createSigningKey, ISSUER, signToken } from './tokens.js'

const rsa = await createSigningKey('rsa-1', 'RS256')
const ec = await createSigningKey('ec-1', 'ES256')
const stranger = await createSigningKey('rsa-1', 'RS256')
const jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk])
afterAll(() => jwks.close())

const HS_SECRET = new TextEncoder().encode('an-hs256-secret-that-is-long-enough-for-real-use')
const hs = { privateKey: HS_SECRET, alg: 'HS256' }

const base = { issuer: ISSUER, audience: AUDIENCE }
const remote = await createJwtProvider({
  ...base,
  keys: { kind: 'jwks_url', url: jwks.url, cooldownMs: 0 },
  algorithms: ['RS256', 'ES256'],
  rolesClaim: 'realm_access.roles',
  agentIdClaim: 'azp',
})

const validClaims = { realm_access: { roles: ['reader', 'auditor'] }, azp: 'claude' }
const validToken = await signToken(rsa, validClaims)

const commonInvalid: InvalidCredentialCase[] = [
  {
    name: 'an expired token',
    request: bearer(await signToken(rsa, validClaims, { expiresIn: -3600 })),
    code: 'ERR_JWT_EXPIRED',
  },
  {
    name: 'a token signed by another key',
    request: bearer(await signToken(stranger, validClaims)),
    code: 'ERR_JWT_INVALID',
  },
  {
    name: 'a tampered token',
    request: bearer(validToken.slice(0, -4) + 'AAAA'),
    code: 'ERR_JWT_INVALID',
  },
  {
    name: 'a bearer value that is not a JWT',
    request: bearer('not-a-jwt'),
    code: 'ERR_JWT_INVALID',
  },
  {
    name: 'an empty bearer value',
    request: { headers: { authorization: 'Bearer' } },
    code: 'ERR_JWT_INVALID',
  },
  {
    name: 'an unsigned (alg none) token',
    request: bearer(
      new UnsecuredJWT({ sub: 'alice' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .encode(),
    ),
    code: 'ERR_JWT_ALG_NOT_ALLOWED',
  },
]

describeProviderContract('jwt (remote JWKS)', {
  provider: remote,
  valid: bearer(validToken),
  expected: { user_id: 'alice', roles: ['reader', 'auditor'], agent_id: 'claude' },
  absent: { headers: { 'x-api-key': 'wk_not-mine' } },
  invalid: commonInvalid,
  secrets: [
    validToken,
    ...commonInvalid
      .map((c) => String(c.request.headers.authorization).slice(7))
      .filter((t) => t.length > 20),
  ],
  ignoresIdentityHeaders: true,
})

const pemToken = await signToken(rsa, { roles: 'reader auditor' })
describeProviderContract('jwt (PEM public key)', {
  provider: await createJwtProvider({
    ...base,
    keys: { kind: 'public_key', pem: rsa.publicPem },
    algorithms: ['RS256'],
    rolesClaim: 'roles',
  }),
  valid: bearer(pemToken),
  expected: { user_id: 'alice', roles: ['reader', 'auditor'] },
  absent: { headers: {} },
  invalid: [
    {
      name: 'an expired token',
      request: bearer(await signToken(rsa, {}, { expiresIn: -60 })),
      code: 'ERR_JWT_EXPIRED',
    },
    {
      name: 'an HS256 token keyed with the public key (alg confusion)',
      request: bearer(
        await signToken({ privateKey: new TextEncoder().encode(rsa.publicPem), alg: 'HS256' }),
      ),
      code: 'ERR_JWT_ALG_NOT_ALLOWED',
    },
  ],
  secrets: [pemToken],
  ignoresIdentityHeaders: true,
})

const hsToken = await signToken(hs, { permissions: ['read:docs'] })
describeProviderContract('jwt (HS secret)', {
  provider: await createJwtProvider({
    ...base,
    keys: { kind: 'secret', secret: HS_SECRET },
    algorithms: ['HS256'],
    rolesClaim: 'permissions',
  }),
  valid: bearer(hsToken),
  expected: { user_id: 'alice', roles: ['read:docs'] },
  absent: { headers: { authorization: 'Basic YWxpY2U6cHc=' } },
  invalid: [
    {
      name: 'a token with another secret',
      request: bearer(
        await signToken({ privateKey: new TextEncoder().encode('x'.repeat(40)), alg: 'HS256' }),
      ),
      code: 'ERR_JWT_INVALID',
    },
    {
      name: 'an RS256 token',
      request: bearer(await signToken(rsa)),
      code: 'ERR_JWT_ALG_NOT_ALLOWED',
    },
  ],
  secrets: [hsToken, new TextDecoder().decode(HS_SECRET)],
  ignoresIdentityHeaders: true,
})

const localToken = await signToken(ec, { roles: ['writer'] })
describeProviderContract('jwt (local JWKS)', {
  provider: await createJwtProvider({
    ...base,
    keys: { kind: 'jwks', jwks: { keys: [ec.publicJwk] } },
    algorithms: ['ES256'],
    rolesClaim: 'roles',
  }),
  valid: bearer(localToken),
  expected: { user_id: 'alice', roles: ['writer'] },
  absent: { headers: {} },
  invalid: [
    {
      name: 'a token with an unknown kid',
      request: bearer(await signToken({ ...ec, kid: 'ec-2' })),
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    },
  ],
  secrets: [localToken],
  ignoresIdentityHeaders: true,
})
