import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { sameIdentity } from '../../gate/session-identity.js'
import type { AuthContext } from '../../identity/auth-context.js'
import { authChallenge, type AuthChallengeOptions } from '../../identity/http-challenge.js'
import {
  createProtectedResourceHandler,
  protectedResourceMetadataUrl,
  type ProtectedResourceOptions,
} from '../../identity/protected-resource.js'
import type { Bridge, BridgeSession } from '../bridge.js'
import {
  defaultAllowedHosts,
  defaultAllowedOrigins,
  parseRpcBody,
  readBody,
  refuse,
} from './http-guards.js'

export interface HttpListenerOptions {
  host: string
  port: number
  path: string
  allowedHosts?: readonly string[]
  allowedOrigins?: readonly string[]
  maxBodyBytes: number
  bridge: Bridge
  /** The caller's identity; rejects with a WardenError that `authChallenge` turns into 401/403. */
  identify: (request: IncomingMessage) => Promise<AuthContext>
  /** This resource's RFC 9728 metadata, given the listener's URL once it is bound. */
  protectedResource?: (url: string) => ProtectedResourceOptions | undefined
  log: (line: string) => void
}

export interface HttpListener {
  readonly url: string
  /**
   * Closes the port (new connections are refused, idle ones closed) while requests already
   * on open connections, and the sessions' event streams, go on until `close`.
   */
  stopAccepting(): void
  close(): Promise<void>
}

interface Session {
  transport: StreamableHTTPServerTransport
  opener: AuthContext
  bridged?: BridgeSession
}

/** The principal the bridge reads back from `extra.authInfo` (never a credential). */
export const PRINCIPAL_AUTH_KEY = 'mcp-warden/principal'

/**
 * Streamable HTTP in front of the bridge. Before the SDK transport sees a request: Host and
 * Origin (DNS rebinding), identity, body size, JSON and batch checks, and the session's owner.
 */
export async function startHttpListener(options: HttpListenerOptions): Promise<HttpListener> {
  const sessions = new Map<string, Session>()
  const hosts = new Set<string>()
  const origins = new Set<string>()
  let challenge: AuthChallengeOptions = {}
  let metadata: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined

  let stopped: Promise<void> | undefined
  const server = createServer((request, response) => {
    // Once the port is closed, open connections end after their current answer.
    if (stopped) {
      response.setHeader('connection', 'close')
      // An SSE answer says keep-alive itself: close the connection once it is idle again.
      response.once('finish', () => setImmediate(() => server.closeIdleConnections()))
    }
    handle(request, response).catch((error: unknown) => {
      options.log(`request failed: ${(error as Error).message}`)
      if (!response.headersSent) refuse(response, 500, 'ERR_INTERNAL', 'internal error')
      else response.end()
    })
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hosts.has((request.headers.host ?? '').toLowerCase())) {
      return refuse(response, 403, 'ERR_HOST_NOT_ALLOWED', 'this Host is not allowed', -32000)
    }
    const origin = request.headers.origin
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return refuse(response, 403, 'ERR_HOST_NOT_ALLOWED', 'this Origin is not allowed', -32000)
    }
    if (metadata?.(request, response)) return
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path !== options.path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    let principal: AuthContext
    try {
      principal = await options.identify(request)
    } catch (error) {
      const answer = authChallenge(error, challenge)
      response.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body))
      return
    }
    const auth: AuthInfo = {
      token: '',
      clientId: principal.user_id ?? 'anonymous',
      scopes: [...principal.scopes],
      extra: { [PRINCIPAL_AUTH_KEY]: principal },
    }
    Object.assign(request, { auth })

    let body: Record<string, unknown> | undefined
    if (request.method === 'POST') {
      const raw = await readBody(request, options.maxBodyBytes)
      if (raw === undefined) {
        response.setHeader('connection', 'close')
        return refuse(response, 413, 'ERR_BODY_TOO_LARGE', 'the request body is too large', -32600)
      }
      const parsed = parseRpcBody(raw, response)
      if (!parsed.ok) return
      body = parsed.message
    }

    const sessionId = request.headers['mcp-session-id']
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId)
      if (!session)
        return refuse(response, 404, 'ERR_SESSION_NOT_FOUND', 'session not found', -32001)
      // Checked before the transport: another identity never reaches the session.
      if (!sameIdentity(session.opener, principal)) {
        return refuse(
          response,
          403,
          'ERR_SESSION_IDENTITY_CHANGED',
          'this session belongs to another identity; open a new session',
        )
      }
      cancelOnDisconnect(session.transport, response, body)
      return session.transport.handleRequest(request, response, body)
    }
    if (sessionId !== undefined) {
      return refuse(response, 400, 'ERR_MESSAGE_INVALID', 'one mcp-session-id header only', -32600)
    }
    if (request.method !== 'POST' || body?.method !== 'initialize') {
      return refuse(
        response,
        400,
        'ERR_SESSION_NOT_INITIALIZED',
        'no session: send initialize first, then the mcp-session-id it returns',
      )
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, session),
    })
    const session: Session = { transport, opener: principal }
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId)
    }
    session.bridged = await options.bridge.connect(transport)
    await transport.handleRequest(request, response, body)
    if (!transport.sessionId) await session.bridged.close()
  }

  /**
   * A client whose connection drops before its answer is written is gone: treat it as having
   * cancelled, so a call waiting for approval is withdrawn instead of running for nobody.
   */
  function cancelOnDisconnect(
    transport: StreamableHTTPServerTransport,
    response: ServerResponse,
    body: Record<string, unknown> | undefined,
  ): void {
    const id = body?.id
    if (typeof body?.method !== 'string' || (typeof id !== 'string' && typeof id !== 'number'))
      return
    response.once('close', () => {
      if (response.writableFinished) return
      transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'the client disconnected' },
      })
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  // Known only once bound (port 0); no request is served before this.
  for (const host of options.allowedHosts ?? defaultAllowedHosts(options.host, port)) {
    hosts.add(host.toLowerCase())
  }
  for (const origin of options.allowedOrigins ?? defaultAllowedOrigins(port)) {
    origins.add(origin.toLowerCase())
  }
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
  const url = `http://${shownHost}:${port}${options.path}`
  const resource = options.protectedResource?.(url)
  if (resource) {
    challenge = { resourceMetadataUrl: protectedResourceMetadataUrl(resource.resource) }
    metadata = createProtectedResourceHandler(resource)
  }

  const stopAccepting = () => {
    stopped ??= new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    url,
    stopAccepting,
    async close() {
      stopAccepting()
      await Promise.all(
        [...sessions.values()].map((session) => session.bridged?.close().catch(() => undefined)),
      )
      sessions.clear()
      server.closeAllConnections()
      await stopped
    },
  }
}
