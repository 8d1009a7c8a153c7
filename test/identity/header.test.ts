import { describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'
import { createHeaderProvider } from '../../src/identity/header.js'
import type { IdentityRequest } from '../../src/identity/provider.js'
import { describeProviderContract } from './provider-contract.js'

const SECRET = 'a-proxy-secret-of-at-least-thirty-two-characters'
const identity = { 'x-user-id': 'carol', 'x-user-roles': 'reader, auditor', 'x-agent-id': 'claude' }

const byAddress = createHeaderProvider({ trustedProxies: ['127.0.0.1/32', '10.0.0.0/8', '::1'] })
const bySecret = createHeaderProvider({
  sharedSecret: { header: 'x-warden-proxy-secret', value: SECRET },
})

describeProviderContract('header (trusted proxy address)', {
  provider: byAddress,
  valid: { headers: identity, remoteAddress: '127.0.0.1' },
  expected: { user_id: 'carol', roles: ['reader', 'auditor'], agent_id: 'claude' },
  absent: { headers: { authorization: 'Bearer x' }, remoteAddress: '127.0.0.1' },
  invalid: [
    {
      name: 'identity headers from an untrusted address',
      request: { headers: identity, remoteAddress: '192.168.1.20' },
      code: 'ERR_HEADER_UNTRUSTED',
    },
    {
      name: 'identity headers without a user id',
      request: { headers: { 'x-user-roles': 'admin' }, remoteAddress: '127.0.0.1' },
      code: 'ERR_AUTH_INVALID',
    },
  ],
  secrets: [],
  ignoresIdentityHeaders: false,
})

describeProviderContract('header (shared secret)', {
  provider: bySecret,
  valid: {
    headers: { ...identity, 'x-warden-proxy-secret': SECRET },
    remoteAddress: '203.0.113.9',
  },
  expected: { user_id: 'carol', roles: ['reader', 'auditor'], agent_id: 'claude' },
  absent: { headers: { 'x-warden-proxy-secret': SECRET } },
  invalid: [
    {
      name: 'identity headers without the secret',
      request: { headers: identity },
      code: 'ERR_HEADER_UNTRUSTED',
    },
    {
      name: 'identity headers with a wrong secret',
      request: { headers: { ...identity, 'x-warden-proxy-secret': SECRET.slice(0, -1) + 'X' } },
      code: 'ERR_HEADER_UNTRUSTED',
    },
  ],
  secrets: [SECRET],
  ignoresIdentityHeaders: false,
})

async function codeOf(request: IdentityRequest, provider = byAddress): Promise<string | undefined> {
  return provider.authenticate(request).then(
    () => undefined,
    (error: unknown) => (error instanceof WardenError ? error.code : 'not a WardenError'),
  )
}

describe('trusted headers', () => {
  it('trust an address inside a configured CIDR', async () => {
    const context = await byAddress.authenticate({
      headers: identity,
      remoteAddress: '10.20.30.40',
    })
    expect(context?.user_id).toBe('carol')
  })

  it('trust an IPv4-mapped IPv6 peer (::ffff:127.0.0.1) as its IPv4 address', async () => {
    const context = await byAddress.authenticate({
      headers: identity,
      remoteAddress: '::ffff:127.0.0.1',
    })
    expect(context?.user_id).toBe('carol')
  })

  it('trust an IPv6 peer inside an IPv6 range', async () => {
    const context = await byAddress.authenticate({ headers: identity, remoteAddress: '::1' })
    expect(context?.user_id).toBe('carol')
  })

  it('compare an IPv4-mapped CIDR with IPv4 peers', async () => {
    const mapped = createHeaderProvider({ trustedProxies: ['::ffff:10.0.0.0/104'] })
    expect(
      (await mapped.authenticate({ headers: identity, remoteAddress: '10.1.1.1' }))?.user_id,
    ).toBe('carol')
    expect(await codeOf({ headers: identity, remoteAddress: '11.1.1.1' }, mapped)).toBe(
      'ERR_HEADER_UNTRUSTED',
    )
  })

  it('reject headers from an IPv4-mapped address outside the ranges', async () => {
    expect(await codeOf({ headers: identity, remoteAddress: '::ffff:192.168.1.1' })).toBe(
      'ERR_HEADER_UNTRUSTED',
    )
  })

  it('reject headers when the peer address is unknown', async () => {
    expect(await codeOf({ headers: identity })).toBe('ERR_HEADER_UNTRUSTED')
  })

  it('reject an agent header alone from an untrusted address rather than ignore it', async () => {
    expect(await codeOf({ headers: { 'x-agent-id': 'evil' }, remoteAddress: '8.8.8.8' })).toBe(
      'ERR_HEADER_UNTRUSTED',
    )
  })

  it('require both the address and the secret when both are configured', async () => {
    const both = createHeaderProvider({
      trustedProxies: ['127.0.0.1'],
      sharedSecret: { header: 'x-warden-proxy-secret', value: SECRET },
    })
    const withSecret = { ...identity, 'x-warden-proxy-secret': SECRET }
    expect(
      (await both.authenticate({ headers: withSecret, remoteAddress: '127.0.0.1' }))?.user_id,
    ).toBe('carol')
    expect(await codeOf({ headers: identity, remoteAddress: '127.0.0.1' }, both)).toBe(
      'ERR_HEADER_UNTRUSTED',
    )
    expect(await codeOf({ headers: withSecret, remoteAddress: '10.0.0.1' }, both)).toBe(
      'ERR_HEADER_UNTRUSTED',
    )
  })

  it('use configured header names', async () => {
    const custom = createHeaderProvider({
      trustedProxies: ['127.0.0.1'],
      userIdHeader: 'x-forwarded-user',
      rolesHeader: 'x-forwarded-groups',
      agentIdHeader: 'x-forwarded-client',
    })
    const context = await custom.authenticate({
      headers: { 'x-forwarded-user': 'dave', 'x-forwarded-groups': 'ops', 'x-user-id': 'mallory' },
      remoteAddress: '127.0.0.1',
    })
    expect(context).toMatchObject({ user_id: 'dave', roles: ['ops'], method: 'header' })
  })

  it('refuse to be built without a trusted address or a shared secret', () => {
    expect(() => createHeaderProvider({})).toThrow(IdentityConfigError)
  })

  it('refuse a trusted proxy entry that is not an address or CIDR', () => {
    try {
      createHeaderProvider({ trustedProxies: ['10.0.0.0/8', 'proxy.internal'] })
      expect.unreachable()
    } catch (error) {
      expect((error as IdentityConfigError).field).toBe('trusted_proxies[1]')
    }
  })

  it('refuse a short shared secret', () => {
    expect(() =>
      createHeaderProvider({ sharedSecret: { header: 'x-warden-proxy-secret', value: 'short' } }),
    ).toThrow(IdentityConfigError)
  })
})
