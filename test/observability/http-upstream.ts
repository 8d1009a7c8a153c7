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
  /** Headers of each POST, in arrival order. */
  requests: { method: string; headers: IncomingHttpHeaders }[]
  /** Settles once a `hold` call is waiting at the upstream. */
  held(): Promise<void>
  /** Lets every waiting `hold` call answer. */
  release(): void
  /** Stops listening: the "upstream down" case. */
  close(): Promise<void>
}

export async function startHttpUpstream(): Promise<HttpUpstream> {
  const requests: HttpUpstream['requests'] = []
  let releases: (() => void)[] = []
  const holdReached: (() => void)[] = []
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST') {
        response.writeHead(405).end()
        return
      }
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method?: string }
      requests.push({ method: body.method ?? '', headers: request.headers })
      const mcp = new McpServer({ name: 'observed', version: '1.0.0' })
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text }],
      }))
      mcp.registerTool('hold', {}, async () => {
        await new Promise<void>((done) => {
          releases.push(done)
          for (const reached of holdReached.splice(0)) reached()
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
    held: () =>
      releases.length > 0 ? Promise.resolve() : new Promise<void>((done) => holdReached.push(done)),
    release() {
      const waiting = releases
      releases = []
      for (const done of waiting) done()
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
