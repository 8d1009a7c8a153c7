import { describe, expect, it } from 'vitest'
import { hostAllowed, parseHostPattern } from '../../src/vault/host-allowlist.js'

const allowed = (url: string, hosts: string[]) => hostAllowed(new URL(url), hosts)

describe('host allowlist', () => {
  it('matches exact hosts in canonical form, on port 443 unless the entry names another', () => {
    expect(allowed('https://api.github.com/user', ['api.github.com'])).toBe(true)
    expect(allowed('https://API.GitHub.com./user', ['api.github.com'])).toBe(true)
    expect(allowed('https://api.github.com:443/', ['api.github.com'])).toBe(true)
    expect(allowed('https://api.github.com:8443/', ['api.github.com'])).toBe(false)
    expect(allowed('https://api.github.com:8443/', ['api.github.com:8443'])).toBe(true)
    expect(allowed('https://github.com/', ['api.github.com'])).toBe(false)
    expect(allowed('https://api.github.com.evil.example/', ['api.github.com'])).toBe(false)
    expect(allowed('https://evilapi.github.com/', ['api.github.com'])).toBe(false)
    expect(allowed('https://xn--bcher-kva.example/', ['bücher.example'])).toBe(true)
  })

  it('lets *.domain stand for exactly one label, never the domain itself', () => {
    expect(allowed('https://eu.example.com/', ['*.example.com'])).toBe(true)
    expect(allowed('https://EU.Example.com/', ['*.example.com'])).toBe(true)
    expect(allowed('https://example.com/', ['*.example.com'])).toBe(false)
    expect(allowed('https://a.b.example.com/', ['*.example.com'])).toBe(false)
    expect(allowed('https://evilexample.com/', ['*.example.com'])).toBe(false)
    expect(allowed('https://eu.example.com:8443/', ['*.example.com'])).toBe(false)
  })

  it('compares IP literals in canonical form', () => {
    expect(allowed('https://2130706433:8443/', ['127.0.0.1:8443'])).toBe(true)
    expect(allowed('https://127.0.0.1:8443/', ['0x7f.1:8443'])).toBe(true)
    expect(allowed('https://[::1]/', ['[::1]'])).toBe(true)
  })

  it('refuses entries that are not a host, a wildcard domain or host:port', () => {
    for (const entry of [
      '',
      'https://api.github.com',
      'api.github.com/x',
      'user@api.github.com',
      '*.com',
      '*.1.2.3',
      'a.*.com',
      '*',
      '*.[::1]',
      'api github.com',
    ]) {
      expect(() => parseHostPattern(entry), entry).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      )
    }
    expect(parseHostPattern('*.Example.org:8443')).toEqual({
      host: 'example.org',
      wildcard: true,
      port: 8443,
    })
  })
})
