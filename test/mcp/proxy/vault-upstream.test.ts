import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadProxyConfig } from '../../../src/mcp/proxy/load-proxy-config.js'
import { openProxyVault } from '../../../src/mcp/proxy/proxy-vault.js'
import { startProxy } from '../../../src/mcp/proxy/start-proxy.js'
import { createUpstreamConnector } from '../../../src/mcp/proxy/upstream-connector.js'
import { openStore } from '../../../src/store/open-store.js'
import { openVault } from '../../../src/vault/open-vault.js'
import { textOf } from '../harness.js'
import { testCertificates } from '../../vault/https-target.js'
import { SECRET } from '../../vault/vault-fixtures.js'
import { httpClient } from './proxy-harness.js'

const POLICY = `
name: vault-upstream
default_effect: deny
rules:
  - { name: everyone, effect: allow, agents: { roles: [user] } }
`

/** A Streamable HTTP MCP server over HTTPS on 127.0.0.1 that answers only `Bearer SECRET`. */
interface HttpsUpstream {
  port: number
  /** Path and Authorization of every request, in order. */
  seen: { path: string; host: string; authorization?: string }[]
  close(): Promise<void>
}

async function startHttpsUpstream(): Promise<HttpsUpstream> {
  const { key, cert } = await testCertificates()
  const seen: HttpsUpstream['seen'] = []
  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'https://upstream').pathname
    const authorization = request.headers.authorization
    seen.push({
      path,
      host: request.headers.host ?? '',
      ...(authorization ? { authorization } : {}),
    })
    if (path === '/moved') {
      response.writeHead(307, { location: '/mcp' }).end()
      return
    }
    if (authorization !== `Bearer ${SECRET}`) {
      response.writeHead(401, { 'www-authenticate': 'Bearer' }).end()
      return
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end()
      return
    }
    // Stateless: one server and transport per request is all a tools/call needs.
    const server = new McpServer({ name: 'vault-upstream', version: '1.0.0' })
    server.registerTool('whoami', {}, async () => ({
      content: [{ type: 'text', text: 'the upstream behind the vault' }],
    }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    response.on('close', () => void transport.close())
    await server.connect(transport)
    await transport.handleRequest(request, response)
  }
  const https: Server = createServer({ key, cert }, (request, response) => {
    route(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise<void>((done) => https.listen(0, '127.0.0.1', done))
  return {
    port: (https.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((done) => {
        https.closeAllConnections()
        https.close(() => done())
      }),
  }
}

/**
 * Node's fetch trusting the test CA: an Agent of the fetch's own undici, built from the
 * global dispatcher's class (the proxy's upstream goes through the SDK's plain fetch).
 */
async function fetchTrustingTestCa(): Promise<typeof fetch> {
  const plain = globalThis.fetch
  await plain('data:,').catch(() => undefined)
  const current = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')]
  const Agent = (current as { constructor: new (options: object) => unknown }).constructor
  const dispatcher = new Agent({ connect: { ca: (await testCertificates()).ca } })
  return (input, init) => plain(input, { ...init, dispatcher } as RequestInit)
}

describe('vault:NAME headers on HTTP upstreams', () => {
  let upstream: HttpsUpstream
  let dir: string
  let store: string
  let mcpUrl: string

  beforeAll(async () => {
    vi.stubGlobal('fetch', await fetchTrustingTestCa())
    vi.stubEnv('WARDEN_VAULT_KEY', '')
    upstream = await startHttpsUpstream()
    mcpUrl = `https://127.0.0.1:${upstream.port}/mcp`
    dir = await mkdtemp(join(tmpdir(), 'warden-vault-upstream-'))
    await writeFile(join(dir, 'policy.yaml'), POLICY)
    store = `sqlite:${join(dir, 'warden.db')}`
    const opened = await openStore(store)
    const vault = await openVault({ store: opened, keyFile: join(dir, 'vault.key') })
    await vault.addCredential({
      name: 'upstream-token',
      auth_type: 'bearer',
      allowed_hosts: [`127.0.0.1:${upstream.port}`],
      secret: SECRET,
    })
    await opened.close()
  })
  afterAll(async () => {
    vi.unstubAllGlobals()
    vi.unstubAllEnvs()
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  /** A proxy config whose one upstream `url` takes its Authorization from the vault. */
  const configFor = (url: string, extra: Record<string, unknown> = {}) =>
    loadProxyConfig({
      overrides: {
        listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
        upstreams: { docs: { url, headers: { Authorization: 'vault:upstream-token' } } },
        policies: join(dir, 'policy.yaml'),
        demo_keys: [{ user_id: 'bob', roles: ['user'] }],
        // The vault's key is vault.key beside the secret key file, as for `warden serve`.
        approvals: { store, secret_key_file: join(dir, 'secret.key') },
        ...extra,
      },
      cwd: dir,
    })

  it('opens an upstream session with the credential through openProxyVault and the connector', async () => {
    const logs: string[] = []
    const config = await configFor(mcpUrl)
    const opened = await openProxyVault(config, { log: (line) => logs.push(line) })
    try {
      const connector = createUpstreamConnector(config.upstreams[0]!, {
        log: (line) => logs.push(line),
        ...(opened.vault ? { vault: opened.vault } : {}),
      })
      const client = new Client({ name: 'vault-upstream-test', version: '1' })
      await client.connect(await connector.open())
      expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(
        'the upstream behind the vault',
      )
      await client.close()
    } finally {
      await opened.close()
    }
    expect(upstream.seen.at(-1)?.authorization).toBe(`Bearer ${SECRET}`)
    expect(logs.join('\n')).toMatch(/upstream docs: Authorization \(vault:upstream-token\)/)
    expect(logs.join('\n')).not.toContain(SECRET)
  })

  it('reaches the upstream through startProxy; the secret is in no log line or audit record', async () => {
    const logs: string[] = []
    const config = await configFor(mcpUrl, {
      audit: { file: 'audit.jsonl', include_arguments: true },
    })
    const proxy = await startProxy(config, { log: (line) => void logs.push(line) })
    try {
      const client = await httpClient(proxy.url!, { 'x-api-key': proxy.demoKeys[0]!.key })
      const result = await client.callTool({ name: 'whoami', arguments: {} })
      expect(textOf(result)).toBe('the upstream behind the vault')
      await client.close()
    } finally {
      await proxy.close()
    }
    expect(upstream.seen.at(-1)?.authorization).toBe(`Bearer ${SECRET}`)
    const audit = await readFile(join(dir, 'audit.jsonl'), 'utf8')
    expect(audit).toMatch(/whoami/)
    const base64 = Buffer.from(SECRET).toString('base64')
    for (const text of [logs.join('\n'), audit]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(base64)
    }
  })

  it('follows no redirect with the credential, not even within the origin', async () => {
    const config = await configFor(`https://127.0.0.1:${upstream.port}/moved`)
    const opened = await openProxyVault(config, { log: () => {} })
    const before = upstream.seen.length
    try {
      const connector = createUpstreamConnector(config.upstreams[0]!, {
        log: () => {},
        ...(opened.vault ? { vault: opened.vault } : {}),
      })
      const client = new Client({ name: 'vault-upstream-test', version: '1' })
      await expect(client.connect(await connector.open())).rejects.toThrow()
    } finally {
      await opened.close()
    }
    expect(upstream.seen.slice(before).map((each) => each.path)).toEqual(['/moved'])
  })

  it('refuses at start-up an upstream off the credential allowed hosts, or not https', async () => {
    const refused = [
      `https://localhost:${upstream.port}/mcp`,
      `https://127.0.0.1:${upstream.port + 1}/mcp`,
      `http://127.0.0.1:${upstream.port}/mcp`,
    ]
    for (const url of refused) {
      const error = await openProxyVault(await configFor(url), { log: () => {} }).catch(
        (e: unknown) => e,
      )
      expect(error, url).toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringMatching(/^upstreams\.docs: vault:upstream-token may be sent only/),
      })
      expect(String((error as Error).message)).not.toContain(SECRET)
    }
    const unknown = await configFor(mcpUrl, {
      upstreams: { docs: { url: mcpUrl, headers: { Authorization: 'vault:nobody' } } },
    })
    await expect(openProxyVault(unknown, { log: () => {} })).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringMatching(/upstreams\.docs: .*no credential named nobody/),
    })
  })

  it('does not start a proxy whose upstream host the credential does not allow', async () => {
    const before = upstream.seen.length
    const config = await configFor(`https://localhost:${upstream.port}/mcp`)
    const outcome = await startProxy(config, { log: () => {} }).then(
      async (proxy) => void (await proxy.close()),
      (error: unknown) => error,
    )
    expect(outcome).toMatchObject({ code: 'ERR_CONFIG_INVALID' })
    expect(upstream.seen.length).toBe(before)
  })

  it('answers ERR_VAULT_NOT_CONFIGURED without a vault key, and creates none', async () => {
    const elsewhere = join(dir, 'no-key')
    const config = await configFor(mcpUrl, {
      approvals: { store, secret_key_file: join(elsewhere, 'secret.key') },
    })
    await expect(openProxyVault(config, { log: () => {}, env: {} })).rejects.toMatchObject({
      code: 'ERR_VAULT_NOT_CONFIGURED',
    })
    expect(existsSync(join(elsewhere, 'vault.key'))).toBe(false)
  })

  it('opens nothing when no upstream names the vault', async () => {
    const config = await configFor(mcpUrl, {
      upstreams: { docs: { url: mcpUrl, headers: { 'X-Trace': 'plain' } } },
      approvals: { store: 'postgres://nowhere.invalid/none' },
    })
    const opened = await openProxyVault(config, { log: () => {} })
    expect(opened.vault).toBeUndefined()
    await opened.close()
  })
})
