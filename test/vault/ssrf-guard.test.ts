import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { addressRefusal, ipLiteral, isPublicAddress } from '../../src/vault/address-policy.js'
import { createVault } from '../../src/vault/vault.js'
import { startHttpsTarget, type HttpsTarget } from './https-target.js'
import { SECRET } from './vault-fixtures.js'

describe('SSRF guard: which addresses the vault connects to', () => {
  it('refuses every non-public range (ipaddr.js ranges) and cloud metadata addresses', () => {
    const refused: [string, RegExp][] = [
      ['127.0.0.1', /loopback/],
      ['127.255.255.254', /loopback/],
      ['10.0.0.1', /private/],
      ['172.16.5.4', /private/],
      ['192.168.1.1', /private/],
      ['169.254.169.254', /cloud metadata/],
      ['169.254.10.10', /linkLocal/],
      ['100.64.0.1', /carrierGradeNat/],
      ['100.100.100.200', /cloud metadata/],
      ['168.63.129.16', /cloud metadata/],
      ['224.0.0.251', /multicast/],
      ['255.255.255.255', /broadcast/],
      ['0.0.0.0', /unspecified/],
      ['0.1.2.3', /unspecified/],
      ['192.0.2.7', /reserved/],
      ['240.0.0.1', /reserved/],
      ['::', /IPv4-compatible/],
      ['::1', /IPv4-compatible/],
      ['::7f00:1', /IPv4-compatible/],
      ['::ffff:127.0.0.1', /loopback/],
      ['::ffff:a00:1', /private/],
      ['::ffff:169.254.169.254', /cloud metadata/],
      ['fe80::1', /linkLocal/],
      ['fe80::1%eth0', /linkLocal/],
      ['fc00::1', /uniqueLocal/],
      ['fd00:ec2::254', /cloud metadata/],
      ['ff02::1', /multicast/],
      ['64:ff9b::a00:1', /rfc6052/],
      ['2002:7f00:1::', /6to4/],
      ['2001::1', /teredo/],
      ['2001:db8::1', /reserved/],
      ['not-an-address', /not an IP address/],
    ]
    for (const [address, why] of refused) {
      expect(addressRefusal(address), address).toMatch(why)
      expect(isPublicAddress(address), address).toBe(false)
    }
    for (const address of ['8.8.8.8', '140.82.112.6', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(addressRefusal(address), address).toBeUndefined()
    }
  })

  it('reads IP literals in every spelling as the address a resolver would use', () => {
    // What the WHATWG URL parser makes of the classic forms (Node's URL, as the vault uses it).
    expect(new URL('https://2130706433/').hostname).toBe('127.0.0.1')
    expect(new URL('https://0x7f000001/').hostname).toBe('127.0.0.1')
    expect(new URL('https://0177.0.0.1/').hostname).toBe('127.0.0.1')
    expect(new URL('https://0x7f.1/').hostname).toBe('127.0.0.1')
    expect(new URL('https://127.1/').hostname).toBe('127.0.0.1')
    expect(new URL('https://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]')
    // And ipLiteral reads the same forms directly, should one reach it unparsed.
    for (const spelling of ['2130706433', '0x7f000001', '0177.0.0.1', '0x7f.1', '127.1']) {
      expect(ipLiteral(spelling), spelling).toBe('127.0.0.1')
    }
    expect(ipLiteral('[::ffff:7f00:1]')).toBe('::ffff:7f00:1')
    expect(ipLiteral('[fe80::1]')).toBe('fe80::1')
    expect(ipLiteral('api.github.com')).toBeUndefined()
    expect(ipLiteral('1e100.net')).toBeUndefined()
  })
})

describe('SSRF guard in production mode (no test hooks)', () => {
  let target: HttpsTarget
  beforeAll(async () => {
    target = await startHttpsTarget()
  })
  afterAll(async () => {
    await target?.close()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('refuses 127.0.0.1 and private targets in decimal, octal, hex and IPv6 forms; nothing is sent', async () => {
    const store = await openStore('sqlite::memory:')
    try {
      const vault = createVault({ store, key: new Uint8Array(randomBytes(32)) })
      const p = target.port
      const urls = [
        `https://127.0.0.1:${p}/`,
        `https://2130706433:${p}/`,
        `https://0x7f000001:${p}/`,
        `https://0177.0.0.1:${p}/`,
        `https://0x7f.0.0.1:${p}/`,
        `https://127.1:${p}/`,
        `https://[::ffff:127.0.0.1]:${p}/`,
        `https://[::ffff:7f00:1]:${p}/`,
        `https://[::127.0.0.1]:${p}/`,
        `https://[::1]:${p}/`,
        `https://167772161:${p}/`, // 10.0.0.1
        `https://012.0.0.1:${p}/`, // 10.0.0.1
        `https://0xc0.0xa8.1.1:${p}/`, // 192.168.1.1
        `https://2852039166:${p}/`, // 169.254.169.254
        `https://[fe80::1]:${p}/`,
        `https://[fd00:ec2::254]:${p}/`,
        `https://100.64.0.1:${p}/`,
        `https://0.0.0.0:${p}/`,
        `https://[::]:${p}/`,
        `https://[64:ff9b::a9fe:a9fe]:${p}/`,
      ]
      await vault.addCredential({
        name: 'internal',
        auth_type: 'bearer',
        allowed_hosts: urls.map((url) => new URL(url).host),
        secret: SECRET,
      })
      for (const url of urls) {
        const call = {
          kind: 'vault_call',
          service: 'internal',
          method: 'GET',
          url,
          headers: {},
          body: null,
        } as const
        await expect(vault.execute(call, 'apr_prod'), url).rejects.toMatchObject({
          code: 'ERR_HOST_NOT_ALLOWED',
          message: expect.stringMatching(/^the vault refuses to connect: .* is (a|an) /),
        })
      }
      expect(target.received).toEqual([])
    } finally {
      await store.close()
    }
  })

  it('refuses the test hooks outside vitest', async () => {
    const store = await openStore('sqlite::memory:')
    try {
      vi.stubEnv('VITEST', undefined)
      expect(() =>
        createVault({
          store,
          key: new Uint8Array(randomBytes(32)),
          testing: { refusal: () => undefined },
        }),
      ).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }))
    } finally {
      await store.close()
    }
  })
})
