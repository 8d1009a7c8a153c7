import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'

/** A stdio upstream of test/fixtures/faults, run by this Node. */
export function faultUpstream(name: string, env: Record<string, string> = {}) {
  const file = fileURLToPath(new URL(`../fixtures/faults/${name}.mjs`, import.meta.url))
  return { command: process.execPath, args: [file], env }
}

export interface FaultProxyOptions {
  /** The policy YAML. */
  policy: string
  /** warden.yaml keys (upstreams, identity, audit, approvals, …) besides listen and policies. */
  config: Record<string, unknown>
}

export interface FaultProxy {
  proxy: RunningProxy
  url: string
  dir: string
  logs: string[]
  /** A Streamable HTTP session with these headers; closed with the proxy. */
  client(headers: Record<string, string>): Promise<Client>
  /** A session as the demo key of `user`. */
  clientAs(user: string): Promise<Client>
  close(): Promise<void>
}

/** The real `warden proxy` over HTTP on 127.0.0.1:0, its files in a temp dir. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-fault-'))
  await writeFile(join(dir, 'policy.yaml'), options.policy)
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      policies: join(dir, 'policy.yaml'),
      ...options.config,
    },
    cwd: dir,
  })
  const logs: string[] = []
  const proxy = await startProxy(config, { log: (line) => void logs.push(line) })
  const clients: Client[] = []
  const client = async (headers: Record<string, string>) => {
    const opened = new Client({ name: 'fault-test', version: '1' })
    await opened.connect(
      new StreamableHTTPClientTransport(new URL(proxy.url!), { requestInit: { headers } }),
    )
    clients.push(opened)
    return opened
  }
  return {
    proxy,
    url: proxy.url!,
    dir,
    logs,
    client,
    clientAs(user) {
      const found = proxy.demoKeys.find((k) => k.user_id === user)
      if (!found) throw new Error(`no demo key for ${user}`)
      return client({ 'x-api-key': found.key })
    },
    async close() {
      for (const opened of clients) await opened.close().catch(() => undefined)
      await proxy.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export function textOf(result: unknown): string {
  return (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('')
}

/** The JSON-RPC error a promise rejected with: `{ code, message, data }`. */
export async function rpcError(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; data?: { code?: string } }> {
  try {
    await promise
  } catch (error) {
    return error as { code: number; message: string; data?: { code?: string } }
  }
  throw new Error('expected the request to fail')
}
