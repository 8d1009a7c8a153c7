import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { generateApiKey } from '../../src/identity/api-key.js'
import { writeApiKeysFile } from '../../src/identity/api-key-file.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'
import {
  createIdentityChain,
  type IdentityChainOptions,
} from '../../src/identity/create-identity-chain.js'
import { startJwksServer } from './jwks-server.js'
import { AUDIENCE, createSigningKey, ISSUER, signToken } from './tokens.js'

const dir = await mkdtemp(join(tmpdir(), 'warden-identity-'))
const rsa = await createSigningKey('rsa-1')
const jwks = await startJwksServer([rsa.publicJwk])
afterAll(async () => {
  await jwks.close()
  await rm(dir, { recursive: true, force: true })
})

const key = generateApiKey()
await writeApiKeysFile(join(dir, 'keys.yaml'), [
  {
    hash: key.hash,
    prefix: key.prefix,
    user_id: 'bot',
    roles: ['service'],
    created_at: '2025-01-01T00:00:00Z',
  },
])
await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [rsa.publicJwk] }))
await writeFile(join(dir, 'jwk.json'), JSON.stringify(rsa.publicJwk))
await writeFile(join(dir, 'public.pem'), rsa.publicPem)
const HS_SECRET = 'an-hs256-secret-that-is-long-enough-for-real-use'
await writeFile(join(dir, 'hs.secret'), `${HS_SECRET}\n`)

const options: IdentityChainOptions = {
  baseDir: dir,
  env: { HS_SECRET, PROXY_SECRET: HS_SECRET, SHORT: 'short' },
}
const jwtBase = { type: 'jwt', issuer: ISSUER, audience: AUDIENCE }

async function fieldOf(
  config: unknown,
  extra: Partial<IdentityChainOptions> = {},
): Promise<string> {
  const error = await createIdentityChain(config, { ...options, ...extra }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(IdentityConfigError)
  expect((error as IdentityConfigError).code).toBe('ERR_IDENTITY_CONFIG_INVALID')
  return (error as IdentityConfigError).field
}

describe('createIdentityChain', () => {
  it('builds every provider type from warden.yaml and authenticates through them', async () => {
    const config = parse(`
- { type: api_key, keys_file: keys.yaml }
- { type: jwt, jwks_url: "${jwks.url}", issuer: "${ISSUER}", audience: "${AUDIENCE}",
    roles_claim: realm_access.roles, jwks_cooldown: 0s }
- { type: header, trusted_proxies: [127.0.0.1/32] }
`)
    const chain = await createIdentityChain(config, options)
    expect(chain.providers.map((provider) => provider.type)).toEqual(['api_key', 'jwt', 'header'])
    expect((await chain.authenticate({ headers: { 'x-api-key': key.key } })).user_id).toBe('bot')
    const token = await signToken(rsa, { realm_access: { roles: ['admin'] } })
    const fromJwt = await chain.authenticate({ headers: { authorization: `Bearer ${token}` } })
    expect(fromJwt).toMatchObject({ user_id: 'alice', roles: ['admin'], method: 'jwt' })
    const fromHeader = await chain.authenticate({
      headers: { 'x-user-id': 'carol' },
      remoteAddress: '127.0.0.1',
    })
    expect(fromHeader.method).toBe('header')
  })

  it.each([
    ['a JWKS file', { jwks_file: 'jwks.json' }],
    ['a single JWK file', { jwks_file: 'jwk.json' }],
    ['a PEM file', { public_key: 'public.pem' }],
    ['an inline PEM', { public_key: rsa.publicPem }],
  ])('verifies tokens with keys from %s', async (_label, source) => {
    const chain = await createIdentityChain([{ ...jwtBase, ...source }], options)
    const token = await signToken(rsa)
    expect(
      (await chain.authenticate({ headers: { authorization: `Bearer ${token}` } })).user_id,
    ).toBe('alice')
  })

  it.each([
    ['an environment variable', { secret_env: 'HS_SECRET' }],
    ['a file', { secret_file: 'hs.secret' }],
  ])('verifies HS256 tokens with a secret from %s', async (_label, source) => {
    const chain = await createIdentityChain([{ ...jwtBase, ...source }], options)
    const token = await signToken({ privateKey: new TextEncoder().encode(HS_SECRET), alg: 'HS256' })
    expect(
      (await chain.authenticate({ headers: { authorization: `Bearer ${token}` } })).user_id,
    ).toBe('alice')
  })

  it('defaults the audience to this resource', async () => {
    const chain = await createIdentityChain(
      [{ type: 'jwt', jwks_file: 'jwks.json', issuer: ISSUER }],
      { ...options, resource: AUDIENCE },
    )
    const token = await signToken(rsa)
    expect(
      (await chain.authenticate({ headers: { authorization: `Bearer ${token}` } })).user_id,
    ).toBe('alice')
  })

  it('builds a static principal for stdio', async () => {
    const chain = await createIdentityChain(
      [{ type: 'static', user_id: 'bob', roles: ['reader'] }],
      { ...options, transport: 'stdio' },
    )
    expect(await chain.authenticate({ headers: {} })).toMatchObject({
      user_id: 'bob',
      roles: ['reader'],
      method: 'static',
    })
  })
})

describe('createIdentityChain rejects at start-up, naming the field', () => {
  it.each([
    ['an empty list', [], 'identity'],
    ['an unknown provider type', [{ type: 'saml' }], 'identity[0].type'],
    [
      'an unknown option',
      [{ type: 'api_key', keys_file: 'keys.yaml', keyfile: 'x' }],
      'identity[0].keyfile',
    ],
    ['a missing keys file', [{ type: 'api_key', keys_file: 'nope.yaml' }], 'identity[0].keys_file'],
    ['a JWT without a key source', [{ ...jwtBase }], 'identity[0].jwks_url'],
    [
      'a JWT with two key sources',
      [{ ...jwtBase, jwks_file: 'jwks.json', public_key: 'public.pem' }],
      'identity[0].public_key',
    ],
    [
      'alg none',
      [{ ...jwtBase, jwks_file: 'jwks.json', algorithms: ['RS256', 'none'] }],
      'identity[0].algorithms[1]',
    ],
    [
      'an HS algorithm with a public key',
      [{ ...jwtBase, public_key: 'public.pem', algorithms: ['HS256'] }],
      'identity[0].algorithms',
    ],
    [
      'an HS algorithm with a JWKS URL',
      [{ ...jwtBase, jwks_url: jwks.url, algorithms: ['RS256', 'HS256'] }],
      'identity[0].algorithms',
    ],
    [
      'an RS algorithm with a secret',
      [{ ...jwtBase, secret_env: 'HS_SECRET', algorithms: ['RS256'] }],
      'identity[0].algorithms',
    ],
    [
      'an algorithm that does not fit the key',
      [{ ...jwtBase, public_key: 'public.pem', algorithms: ['ES256'] }],
      'identity[0].algorithms',
    ],
    [
      'a JWKS URL over plain http to another host',
      [{ ...jwtBase, jwks_url: 'http://idp.example.com/jwks.json' }],
      'identity[0].jwks_url',
    ],
    [
      'a JWKS file holding a private key',
      [{ ...jwtBase, jwks_file: 'private.json' }],
      'identity[0].jwks_file.keys[0]',
    ],
    [
      'a missing issuer',
      [{ type: 'jwt', jwks_file: 'jwks.json', audience: AUDIENCE }],
      'identity[0].issuer',
    ],
    [
      'a missing audience',
      [{ type: 'jwt', jwks_file: 'jwks.json', issuer: ISSUER }],
      'identity[0].audience',
    ],
    ['an unset secret variable', [{ ...jwtBase, secret_env: 'NOT_SET' }], 'identity[0].secret_env'],
    ['a short secret', [{ ...jwtBase, secret_env: 'SHORT' }], 'identity[0].secret_env'],
    ['an inline secret', [{ ...jwtBase, secret: 'hunter2' }], 'identity[0].secret'],
    [
      'a bad duration',
      [{ ...jwtBase, jwks_url: jwks.url, jwks_cooldown: '30 seconds' }],
      'identity[0].jwks_cooldown',
    ],
    [
      'a JWKS cache option without a JWKS URL',
      [{ ...jwtBase, jwks_file: 'jwks.json', jwks_timeout: '5s' }],
      'identity[0].jwks_timeout',
    ],
    ['a header provider trusting everyone', [{ type: 'header' }], 'identity[0].trusted_proxies'],
    [
      'a bad trusted proxy',
      [{ type: 'header', trusted_proxies: ['10.0.0.0/33'] }],
      'identity[0].trusted_proxies[0]',
    ],
    [
      'an inline shared secret',
      [{ type: 'header', shared_secret: 'hunter2' }],
      'identity[0].shared_secret',
    ],
    [
      'a short shared secret',
      [{ type: 'header', shared_secret_env: 'SHORT' }],
      'identity[0].shared_secret_env',
    ],
    ['a static principal over HTTP', [{ type: 'static', user_id: 'bob' }], 'identity[0].type'],
    [
      'a provider after the static principal',
      [
        { type: 'static', user_id: 'bob' },
        { type: 'header', trusted_proxies: ['127.0.0.1'] },
      ],
      'identity[0]',
    ],
  ])('%s', async (_label, config, field) => {
    await writeFile(
      join(dir, 'private.json'),
      JSON.stringify({ keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y' }] }),
    )
    const transport = field === 'identity[0]' ? 'stdio' : 'http'
    expect(await fieldOf(config, { transport })).toBe(field)
  })

  it('an audience other than this resource (RFC 8707)', async () => {
    expect(
      await fieldOf([{ ...jwtBase, jwks_file: 'jwks.json', audience: 'https://other.test' }], {
        resource: AUDIENCE,
      }),
    ).toBe('identity[0].audience')
    expect(
      await fieldOf(
        [{ ...jwtBase, jwks_file: 'jwks.json', audience: [AUDIENCE, 'https://other.test'] }],
        { resource: AUDIENCE },
      ),
    ).toBe('identity[0].audience')
  })

  it('accepts any issuer or audience only when told to', async () => {
    const chain = await createIdentityChain(
      [{ type: 'jwt', jwks_file: 'jwks.json', require_issuer: false, require_audience: false }],
      options,
    )
    const token = await signToken(rsa, {}, { issuer: 'https://anyone.test', audience: 'anything' })
    expect(
      (await chain.authenticate({ headers: { authorization: `Bearer ${token}` } })).user_id,
    ).toBe('alice')
  })
})
