import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WardenError } from '../errors.js'
import { checkReadiness, type ReadinessCheck } from './readiness.js'
import type { WardenMetrics } from './warden-metrics.js'

export interface AdminListenerOptions {
  /** Default 127.0.0.1: metrics name rules and tools, keep them off public interfaces. */
  host?: string
  /** Default 9464; 0 picks a free port. */
  port?: number
  metrics?: WardenMetrics
  /** What /readyz checks; a function is asked on every probe. */
  readiness?: readonly ReadinessCheck[] | (() => readonly ReadinessCheck[])
}

export interface AdminListener {
  /** `http://host:port`. */
  readonly url: string
  close(): Promise<void>
}

export const DEFAULT_ADMIN_PORT = 9464

/** A listener's address is taken: an environment problem, named in one line. */
export class AddressInUseError extends WardenError {
  constructor(host: string, port: number, what?: string) {
    super('ERR_CONFIG_INVALID', `${what ? `${what} ` : ''}port ${port} on ${host} is in use`)
    this.name = 'AddressInUseError'
  }
}

/**
 * The operator's endpoints, on a listener of their own: GET /metrics (Prometheus text),
 * /healthz (the process answers) and /readyz (every readiness check passes; 503 otherwise).
 * A port in use is an AddressInUseError (ERR_CONFIG_INVALID) naming the address.
 */
export async function startAdminListener(options: AdminListenerOptions): Promise<AdminListener> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? DEFAULT_ADMIN_PORT
  const server = createServer((request, response) => {
    serve(request, response, options).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new AddressInUseError(host, port, 'admin')
          : new WardenError(
              'ERR_CONFIG_INVALID',
              `admin listener on ${host}:${port}: ${error.message}`,
            ),
      ),
    )
    server.listen(port, host, () => done())
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close() {
      server.closeAllConnections()
      return new Promise((done) => server.close(() => done()))
    },
  }
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  options: AdminListenerOptions,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end()
    return
  }
  if (path === '/healthz') return json(response, 200, { status: 'ok' })
  if (path === '/readyz') {
    const checks =
      typeof options.readiness === 'function' ? options.readiness() : (options.readiness ?? [])
    const report = await checkReadiness(checks)
    return json(response, report.ready ? 200 : 503, {
      status: report.ready ? 'ready' : 'not ready',
      checks: report.checks,
    })
  }
  if (path === '/metrics' && options.metrics) {
    const { contentType, body } = await options.metrics.exposition()
    response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' })
    response.end(body)
    return
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(`${JSON.stringify(body)}\n`)
}
