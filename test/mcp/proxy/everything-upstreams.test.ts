import { spawn, type ChildProcess } from 'node:child_process'
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { Progress } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { flagOverrides } from '../../../src/mcp/proxy/proxy-flags.js'
import { textOf } from '../harness.js'
import { httpClient, ROOT, startTestProxy, type StartedProxy } from './proxy-harness.js'

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
const LOOPBACK = fileURLToPath(new URL('./fixtures/loopback-only.mjs', import.meta.url))
const ALLOW_ALL = `
name: allow-all
default_effect: deny
rules:
  - { name: everyone, effect: allow }
`
const STATIC_DOC = 'demo://resource/static/document/instructions.md'

const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill()
})

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Starts server-everything in an HTTP mode on a free loopback port; resolves once it listens. */
async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<number> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', LOOPBACK, EVERYTHING, mode], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    let stderr = ''
    const timer = setTimeout(
      () => reject(new Error(`server-everything ${mode}: ${stderr}`)),
      10_000,
    )
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (/listening on port|running on port/.test(stderr)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server-everything ${mode} exited ${code}: ${stderr}`))
    })
  })
  return port
}

interface Variant {
  name: string
  upstreams: () => Promise<Record<string, unknown>>
}

const VARIANTS: Variant[] = [
  {
    name: 'stdio',
    upstreams: async () => ({
      upstreams: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } },
    }),
  },
  {
    name: 'a Streamable HTTP URL (--upstream-url)',
    upstreams: async () => {
      const port = await startEverything('streamableHttp')
      return flagOverrides({ upstreamUrl: `http://127.0.0.1:${port}/mcp` })
    },
  },
  {
    name: 'a legacy SSE URL (transport: sse)',
    upstreams: async () => {
      const port = await startEverything('sse')
      return {
        upstreams: { everything: { url: `http://127.0.0.1:${port}/sse`, transport: 'sse' } },
      }
    },
  },
]

describe.each(VARIANTS)('warden proxy in front of server-everything over $name', (variant) => {
  let started: StartedProxy
  let client: Client

  beforeAll(async () => {
    started = await startTestProxy(
      { ...(await variant.upstreams()), allow_anonymous: true },
      ALLOW_ALL,
    )
    // No credential: the anonymous principal, which the allow-all policy admits.
    client = await httpClient(started.proxy.url!, {})
  })

  afterAll(async () => {
    await client?.close()
    await started?.proxy.close()
  })

  it("lists the server's tools", async () => {
    const names = (await client.listTools()).tools.map((t) => t.name)
    expect(names).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']),
    )
  })

  it('relays echo and returns its answer', async () => {
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hello' } })
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('Echo: hello')
  })

  it("delivers the tool's progress notifications to the client", async () => {
    const progress: Progress[] = []
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => void progress.push(p), timeout: 10_000 },
    )
    expect(textOf(result)).toMatch(/completed/)
    // The last one may be dropped: it arrives with the response, and the SDK's Client retires
    // the progress handler first (modelcontextprotocol/typescript-sdk#2580), with or without us.
    expect(progress[0]).toEqual({ progress: 1, total: 3 })
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3].slice(0, progress.length))
    expect(progress.every((p) => p.total === 3)).toBe(true)
  })

  it('lists and reads a resource', async () => {
    const uris = (await client.listResources()).resources.map((r) => r.uri)
    expect(uris).toContain(STATIC_DOC)
    const read = await client.readResource({ uri: STATIC_DOC })
    expect(read.contents[0]).toMatchObject({ uri: STATIC_DOC, mimeType: 'text/markdown' })
    expect((read.contents[0] as { text: string }).text.length).toBeGreaterThan(0)
    const dynamic = await client.readResource({ uri: 'demo://resource/dynamic/text/7' })
    expect((dynamic.contents[0] as { text: string }).text).toMatch(/^Resource 7:/)
  })
})

describe('warden proxy headers for an HTTP upstream', () => {
  const seen: IncomingHttpHeaders[] = []
  let upstream: Server
  let started: StartedProxy
  let client: Client

  beforeAll(async () => {
    // A stateless MCP server that records the headers of every request it receives.
    upstream = createHttpServer(async (request, response) => {
      seen.push(request.headers)
      if (request.method !== 'POST') {
        response.writeHead(405).end()
        return
      }
      const server = new McpServer({ name: 'header-recorder', version: '1.0.0' })
      server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text }],
      }))
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      response.on('close', () => void transport.close())
      await server.connect(transport)
      await transport.handleRequest(request, response)
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const { port } = upstream.address() as { port: number }
    started = await startTestProxy(
      {
        upstreams: {
          recorder: {
            url: `http://127.0.0.1:${port}/mcp`,
            headers: { Authorization: 'Bearer upstream-secret', 'X-Tenant': 'acme' },
          },
        },
      },
      ALLOW_ALL,
    )
    // The client's own credential, in the same header the upstream's is configured for.
    client = await httpClient(started.proxy.url!, {
      authorization: `Bearer ${started.key('bob')}`,
    })
  })

  afterAll(async () => {
    await client?.close()
    await started?.proxy.close()
    await new Promise<void>((resolve) => upstream?.close(() => resolve()))
  })

  it("sends the configured headers and never the client's credential", async () => {
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } })
    expect(textOf(result)).toBe('hi')
    const posts = seen.filter((h) => h['content-type']?.includes('application/json'))
    expect(posts.length).toBeGreaterThanOrEqual(2)
    for (const headers of seen) {
      expect(headers.authorization).toBe('Bearer upstream-secret')
      expect(headers['x-tenant']).toBe('acme')
      expect(headers['x-api-key']).toBeUndefined()
      expect(JSON.stringify(headers)).not.toContain(started.key('bob'))
    }
  })
})
