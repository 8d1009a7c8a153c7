import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'

/**
 * A stateless MCP server over Streamable HTTP on 127.0.0.1 that records the headers of every
 * request it gets. `echo` answers at once; `hold` answers only when the test releases it.
 */
export interface HttpUpstream {
  url: string
  /** Headers and `params._meta` of each POST, in arrival order. */
  requests: { method: string; headers: IncomingHttpHeaders; meta?: Record<string, unknown> }[]
  /** Settles once a `hold` call (with this `label`, if given) is waiting at the upstream. */
  held(label?: string): Promise<void>
  /** Lets every waiting `hold` call answer, or only those holding `label`. */
  release(label?: string): void
  /** Stops listening: the "upstream down" case. */
  close(): Promise<void>
}

export async function startHttpUpstream(): Promise<HttpUpstream> {
  const requests: HttpUpstream['requests'] = []
  let releases: { label: string | undefined; done: () => void }[] = []
  let holdReached: { label: string | undefined; reached: () => void }[] = []
  const isHeld = (label: string | undefined) =>
    releases.some((held) => label === undefined || held.label === label)
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST') {
        response.writeHead(405).end()
        return
      }
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        method?: string
        params?: { _meta?: Record<string, unknown> }
      }
      requests.push({
        method: body.method ?? '',
        headers: request.headers,
        ...(body.params?._meta ? { meta: body.params._meta } : {}),
      })
      const mcp = new McpServer({ name: 'observed', version: '1.0.0' })
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text }],
      }))
      mcp.registerTool('hold', { inputSchema: { label: z.string().optional() } }, async (args) => {
        await new Promise<void>((done) => {
          releases.push({ label: args.label, done })
          const reached = holdReached.filter((waiter) => isHeld(waiter.label))
          holdReached = holdReached.filter((waiter) => !reached.includes(waiter))
          for (const waiter of reached) waiter.reached()
        })
        return { content: [{ type: 'text', text: 'released' }] }
      })
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      response.on('close', () => void transport.close())
      await mcp.connect(transport)
      await transport.handleRequest(request, response, body)
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    requests,
    held: (label) =>
      isHeld(label)
        ? Promise.resolve()
        : new Promise<void>((reached) => holdReached.push({ label, reached })),
    release(label) {
      const chosen = releases.filter((held) => label === undefined || held.label === label)
      releases = releases.filter((held) => !chosen.includes(held))
      for (const held of chosen) held.done()
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
