import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { parseMessages } from '../fuzz/raw-http.js'

export interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

/**
 * One kept-alive TCP connection: every request goes over the same socket, one after the other.
 * A shutdown closes the port, so only such a connection can still reach a draining server.
 */
export interface KeepAliveConnection {
  send(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<RawAnswer>
  close(): void
}

export function keepAliveConnection(): KeepAliveConnection {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  return {
    send(method, url, options = {}) {
      return new Promise((resolve, reject) => {
        const outgoing = httpRequest(url, { method, agent, headers: options.headers ?? {} })
        outgoing.on('error', reject)
        outgoing.on('response', (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', reject)
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        })
        outgoing.end(options.body)
      })
    },
    close: () => agent.destroy(),
  }
}

/** The JSON-RPC messages of an answer, whether sent as JSON or as SSE events. */
export function rpcMessages(answer: RawAnswer): Record<string, unknown>[] {
  return parseMessages(answer.text)
}
