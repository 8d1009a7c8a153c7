import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatSourceIssue } from '../../src/errors.js'
import { ConfigLoadError } from '../../src/mcp/proxy/config-load-error.js'
import { shutdownGraceSchema } from '../../src/mcp/proxy/proxy-config-schema.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import {
  parseAdminAddress,
  parseLogFormat,
  parseLogLevel,
} from '../../src/observability/operator-flags.js'

describe('operator flags', () => {
  it('reads --admin as host:port, IPv6 in brackets, or :port on loopback', () => {
    expect(parseAdminAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(parseAdminAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 })
    expect(parseAdminAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseAdminAddress('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 })
    for (const wrong of ['9464', 'localhost', 'host:99999', 'http://127.0.0.1:9464/']) {
      expect(() => parseAdminAddress(wrong), wrong).toThrow(/--admin: expected host:port/)
    }
  })

  it('reads log levels and formats, refusing others by name', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug')
    expect(() => parseLogLevel('verbose')).toThrow(/--log-level: expected one of trace, debug/)
    expect(parseLogFormat('json')).toBe('json')
    expect(() => parseLogFormat('xml')).toThrow(/--log-format: expected json or text/)
  })

  it('reads shutdown_grace as a duration or seconds, in milliseconds', () => {
    expect(shutdownGraceSchema.parse('500ms')).toBe(500)
    expect(shutdownGraceSchema.parse('10s')).toBe(10_000)
    expect(shutdownGraceSchema.parse('2m')).toBe(120_000)
    expect(shutdownGraceSchema.parse(1.5)).toBe(1500)
    expect(shutdownGraceSchema.safeParse('10 seconds').success).toBe(false)
    expect(shutdownGraceSchema.safeParse(-1).success).toBe(false)
  })

  it('gives warden.yaml an admin listener and a 30 s grace by default', async () => {
    const base = {
      upstreams: { x: { command: 'node' } },
      policies: 'p.yaml',
      allow_anonymous: true,
    }
    const plain = await loadProxyConfig({ overrides: base })
    expect(plain.admin).toBeUndefined()
    expect(plain.shutdown_grace).toBe(30_000)
    const set = await loadProxyConfig({
      overrides: { ...base, admin: { port: 0 }, shutdown_grace: '5s' },
    })
    expect(set.admin).toEqual({ host: '127.0.0.1', port: 0 })
    expect(set.shutdown_grace).toBe(5000)
  })

  it('gives warden.yaml a 10 min request_timeout, and refuses 0 with its line', async () => {
    const base = {
      upstreams: { x: { command: 'node' } },
      policies: 'p.yaml',
      allow_anonymous: true,
    }
    expect((await loadProxyConfig({ overrides: base })).request_timeout).toBe(600_000)
    const set = await loadProxyConfig({ overrides: { ...base, request_timeout: '45s' } })
    expect(set.request_timeout).toBe(45_000)
    const dir = await mkdtemp(join(tmpdir(), 'warden-timeout-'))
    const file = join(dir, 'warden.yaml')
    await writeFile(
      file,
      'upstreams:\n  x: { command: node }\npolicies: p.yaml\nrequest_timeout: 0\n',
    )
    const refused = await loadProxyConfig({ file }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ConfigLoadError)
    expect((refused as ConfigLoadError).issues.map(formatSourceIssue)).toEqual([
      `${file}:4:18 request_timeout: must be longer than 0`,
    ])
  })
})
