import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigLoadError } from '../../../src/mcp/proxy/config-load-error.js'
import { loadProxyConfig } from '../../../src/mcp/proxy/load-proxy-config.js'
import { flagOverrides, splitCommand } from '../../../src/mcp/proxy/proxy-flags.js'
import { tempDir } from './proxy-harness.js'

async function problems(yaml: string): Promise<string[]> {
  const dir = await tempDir()
  await writeFile(join(dir, 'warden.yaml'), yaml)
  try {
    await loadProxyConfig({ file: join(dir, 'warden.yaml') })
  } catch (error) {
    if (error instanceof ConfigLoadError) return error.issues.map((i) => `${i.path}: ${i.message}`)
    throw error
  }
  return []
}

describe('loadProxyConfig', () => {
  it('fills defaults and resolves paths from the config file', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'warden.yaml'),
      'upstreams: { fs: { command: node, args: [s.js] } }\npolicies: ./p\nallow_anonymous: true\n',
    )
    const config = await loadProxyConfig({ file: join(dir, 'warden.yaml') })
    expect(config.listen).toMatchObject({ transport: 'http', host: '127.0.0.1', port: 8787 })
    expect(config.listen.max_body_bytes).toBe(1_048_576)
    expect(config.policies).toEqual([join(dir, 'p')])
    expect(config.upstreams).toEqual([
      { name: 'fs', kind: 'stdio', command: 'node', args: ['s.js'], env: {} },
    ])
    expect(config.upstream_sessions).toBe('isolated')
  })

  it('refuses shared upstream sessions as not yet supported', async () => {
    const found = await problems(
      'upstreams: { a: { command: x } }\npolicies: p\nallow_anonymous: true\nupstream_sessions: shared\n',
    )
    expect(found).toEqual([expect.stringMatching(/^upstream_sessions: .*not yet supported/)])
  })

  it('refuses a static principal on an HTTP listener', async () => {
    const found = await problems(
      'upstreams: { a: { command: x } }\npolicies: p\nprincipal: bob:user\nallow_anonymous: true\n',
    )
    expect(found).toEqual([expect.stringMatching(/^principal: .*stdio/)])
  })

  it('refuses a stdio listener without a principal', async () => {
    const found = await problems(
      'listen: { transport: stdio }\nupstreams: { a: { command: x } }\npolicies: p\n',
    )
    expect(found).toEqual([expect.stringMatching(/^principal: /)])
  })

  it('refuses an upstream that is neither a command nor a URL, and bad identity entries', async () => {
    const found = await problems(
      'upstreams: { a: { image: x } }\npolicies: p\nidentity: [{ type: api_key }]\n',
    )
    expect(found).toEqual([
      'upstreams.a: an upstream needs command (stdio) or url (Streamable HTTP or SSE)',
      expect.stringMatching(/^identity\[0\]\.keys_file: /),
    ])
  })
})

describe('proxy flags', () => {
  it('splits an upstream command with quotes', () => {
    expect(splitCommand(`node "my server.js" --root '/a b'`)).toEqual([
      'node',
      'my server.js',
      '--root',
      '/a b',
    ])
  })

  it('turns --listen and --as into config keys', () => {
    expect(flagOverrides({ listen: 'http://127.0.0.1:9000/x', as: 'bob:user' })).toEqual({
      listen: { transport: 'http', host: '127.0.0.1', port: 9000, path: '/x' },
      principal: 'bob:user',
    })
  })
})
