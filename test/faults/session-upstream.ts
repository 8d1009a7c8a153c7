import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'

/**
 * A stateful MCP server over Streamable HTTP on 127.0.0.1 (one session per client, as most
 * remote servers keep). `restart()` stops it and starts it again on the same port, with no
 * memory of the sessions it had: what a redeployed or crashed remote server looks like.
 */
export interface SessionUpstream {
  url: string
  /** How many sessions were initialized, over every life of the server. */
  readonly sessionsOpened: number
  /** Stops listening: the server is down. */
  stop(): Promise<void>
  /** Listens again on the same port, a new process that knows no sessions. */
  start(): Promise<void>
  restart(): Promise<void>
  close(): Promise<void>
}

export async function startSessionUpstream(): Promise<SessionUpstream> {
  let boot = randomUUID()
  let opened = 0
  let sessions = new Map<string, StreamableHTTPServerTransport>()
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const id = request.headers['mcp-session-id']
      const known = typeof id === 'string' ? sessions.get(id) : undefined
      if (known) return known.handleRequest(request, response)
      if (typeof id === 'string') {
        response.writeHead(404, { 'content-type': 'application/json' })
        response.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32001, message: 'Session not found' },
          }),
        )
        return
      }
      const mcp = new McpServer({ name: 'remote', version: '1.0.0' })
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text }],
      }))
      mcp.registerTool('boot', {}, async () => ({ content: [{ type: 'text', text: boot }] }))
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => {
          opened++
          sessions.set(sessionId, transport)
        },
      })
      await mcp.connect(transport)
      await transport.handleRequest(request, response)
    })().catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  }
  let server: Server = createServer(handler)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const port = (server.address() as AddressInfo).port
  const stop = () =>
    new Promise<void>((done) => {
      server.closeAllConnections()
      server.close(() => done())
    })
  const start = async () => {
    sessions = new Map()
    boot = randomUUID()
    server = createServer(handler)
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done))
  }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get sessionsOpened() {
      return opened
    },
    stop,
    start,
    async restart() {
      await stop()
      await start()
    },
    close: stop,
  }
}
