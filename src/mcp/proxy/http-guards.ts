import type { IncomingMessage, ServerResponse } from 'node:http'
import { toMcpError, WardenError, type WardenErrorCode } from '../../errors.js'

/** What a refused HTTP request gets: a JSON-RPC error body with the warden code in `data`. */
export function refuse(
  response: ServerResponse,
  status: number,
  code: WardenErrorCode,
  message: string,
  rpcCode?: number,
): void {
  const wire = toMcpError(new WardenError(code, message))
  const body = {
    jsonrpc: '2.0',
    id: null,
    error: { code: rpcCode ?? wire.code, message, data: wire.data },
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** Hosts a DNS-rebinding page cannot name: the listen address and localhost, with the port. */
export function defaultAllowedHosts(host: string, port: number): string[] {
  const named = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return [...new Set([named, 'localhost', '127.0.0.1', '[::1]'])].map((h) => `${h}:${port}`)
}

export function defaultAllowedOrigins(port: number): string[] {
  return ['localhost', '127.0.0.1', '[::1]'].map((host) => `http://${host}:${port}`)
}

/** Reads the body up to `limit` bytes; resolves undefined (and stops reading) when it is larger. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        request.removeAllListeners('data')
        request.resume()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

/** The JSON of a request body, or the refusal already sent. */
export function parseRpcBody(
  body: Buffer,
  response: ServerResponse,
): { ok: true; message: Record<string, unknown> } | { ok: false } {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    refuse(response, 400, 'ERR_MESSAGE_INVALID', 'the body is not JSON', -32700)
    return { ok: false }
  }
  if (Array.isArray(value)) {
    refuse(response, 400, 'ERR_BATCH_NOT_SUPPORTED', 'batches are not supported')
    return { ok: false }
  }
  if (typeof value !== 'object' || value === null) {
    refuse(response, 400, 'ERR_MESSAGE_INVALID', 'expected a JSON-RPC message', -32600)
    return { ok: false }
  }
  return { ok: true, message: value as Record<string, unknown> }
}
