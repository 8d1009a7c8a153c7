import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { loadProxyConfig } from '../../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../../src/mcp/proxy/start-proxy.js'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
export const FIXTURE = fileURLToPath(new URL('./fixtures/tool-server.mjs', import.meta.url))

/** admin may do anything; user lists and calls read-only tools; nobody else anything. */
export const POLICY = `
name: proxy-test
default_effect: deny
rules:
  - { name: admins, effect: allow, priority: 1000, agents: { roles: [admin] } }
  - name: readers
    effect: allow
    agents: { roles: [user] }
    tools: { names: [echo, pid, read_notes, crash] }
    actions: [list, call]
`

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'warden-proxy-'))
}

export interface StartedProxy {
  proxy: RunningProxy
  dir: string
  logs: string[]
  /** The demo key of a user: ada (admin), bob (user), ian (intern). */
  key(user: string): string
}

/** Writes a policy and a config into a temp dir and starts the proxy on 127.0.0.1:0. */
export async function startTestProxy(
  extra: Record<string, unknown> = {},
  policy = POLICY,
): Promise<StartedProxy> {
  const dir = await tempDir()
  await writeFile(join(dir, 'policy.yaml'), policy)
  const logs: string[] = []
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      upstreams: { notes: { command: process.execPath, args: [FIXTURE] } },
      policies: join(dir, 'policy.yaml'),
      demo_keys: [
        { user_id: 'ada', roles: ['admin'] },
        { user_id: 'bob', roles: ['user'] },
        { user_id: 'ian', roles: ['intern'] },
      ],
      ...extra,
    },
    cwd: dir,
  })
  const proxy = await startProxy(config, { log: (line) => void logs.push(line) })
  return {
    proxy,
    dir,
    logs,
    key(user) {
      const found = proxy.demoKeys.find((k) => k.user_id === user)
      if (!found) throw new Error(`no demo key for ${user}`)
      return found.key
    },
  }
}

export async function httpClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'proxy-test', version: '1' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
  )
  return client
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

/** Opens a Streamable HTTP session with `initialize` as the key's identity; returns its id. */
export async function openSession(url: string, key: string): Promise<string> {
  const opened = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'x-api-key': key },
    body: JSON.stringify(INITIALIZE),
  })
  await opened.body?.cancel()
  const sessionId = opened.headers.get('mcp-session-id')
  if (!sessionId) throw new Error(`initialize gave no session (HTTP ${opened.status})`)
  return sessionId
}
