// The weather server, guarded, over Streamable HTTP on 127.0.0.1. Run from the repository root:
//   node <built>/examples/weather/http.js [port]
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { guard } from '../../src/index.js'
import { createWeatherServer } from './server.js'

/** Demo bearer tokens. A real deployment verifies API keys or JWTs with mcp-warden's identity chain. */
const DEMO_TOKENS: Record<string, { user: string; roles: string[] }> = {
  'admin-token': { user: 'ada', roles: ['admin'] },
  'user-token': { user: 'bob', roles: ['user'] },
  'intern-token': { user: 'ian', roles: ['intern'] },
}

function authenticate(req: IncomingMessage): AuthInfo | undefined {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  const known = token !== undefined ? DEMO_TOKENS[token] : undefined
  if (!token || !known) return undefined
  return { token, clientId: known.user, scopes: [], extra: { roles: known.roles } }
}

export async function startWeatherHttp(
  port = 0,
  policies = 'policies/weather.yaml',
): Promise<{ url: string; close(): Promise<void> }> {
  // A factory, not a server: every HTTP session gets its own weather server.
  const guarded = await guard(createWeatherServer, {
    policies,
    principal: (extra) => ({
      user_id: extra.authInfo!.clientId,
      roles: extra.authInfo!.extra!.roles as string[],
      method: 'api_key',
    }),
  })
  const sessions = new Map<string, StreamableHTTPServerTransport>()

  const http: Server = createServer(async (req, res) => {
    const auth = authenticate(req)
    if (!auth) return void res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end()
    Object.assign(req, { auth }) // the SDK transport hands req.auth to handlers as extra.authInfo
    const id = req.headers['mcp-session-id']
    let transport = typeof id === 'string' ? sessions.get(id) : undefined
    if (!transport) {
      if (id !== undefined) return void res.writeHead(404).end()
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
      })
      created.onclose = () => void (created.sessionId && sessions.delete(created.sessionId))
      await guarded.connect(created)
      transport = created
    }
    await transport.handleRequest(req, res)
  })

  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve))
  const { port: bound } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    async close() {
      await guarded.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startWeatherHttp(Number(process.argv[2] ?? 8787))
  console.log(`guarded weather server on ${url}`)
}
