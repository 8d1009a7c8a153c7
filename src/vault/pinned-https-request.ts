import type { LookupFunction } from 'node:net'
import { request as httpsRequest } from 'node:https'
import { WardenError } from '../errors.js'
import type { CheckedTarget } from './checked-target.js'

export interface PinnedRequest {
  target: CheckedTarget
  method: string
  /** Path and query. */
  path: string
  headers: Record<string, string>
  body: string | null
  timeoutMs: number
  maxResponseBytes: number
  /** Extra trusted CA (tests only); the system store is used otherwise. */
  ca?: string | Buffer
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[]>
  body: Buffer
}

/**
 * One HTTPS request to the checked address: the lookup hook hands back that address, so no
 * second DNS query happens, while SNI and the certificate check use the host name. Redirects
 * are not followed. The whole exchange is bounded in time and response size; errors carry
 * only a reason of ours, never a header value.
 */
export function pinnedHttpsRequest(options: PinnedRequest): Promise<RawResponse> {
  const { target } = options
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      ;(callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ])
    } else {
      callback(null, target.address, target.family)
    }
  }
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (error: WardenError | undefined, response?: RawResponse) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (error) {
        request.destroy()
        reject(error)
      } else resolve(response!)
    }
    let request: ReturnType<typeof httpsRequest>
    try {
      request = httpsRequest({
        host: target.literal ? target.address : target.hostname,
        port: target.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        lookup: pinned,
        ...(target.literal ? {} : { servername: target.hostname }),
        agent: false,
        rejectUnauthorized: true,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      })
    } catch (error) {
      // Node refuses bad header characters synchronously; its message could quote them.
      reject(upstreamError(describe(error as NodeJS.ErrnoException)))
      return
    }
    const timer = setTimeout(
      () => finish(upstreamError(`no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    )
    request.on('error', (error: NodeJS.ErrnoException) => finish(upstreamError(describe(error))))
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
        finish(tooLarge(options.maxResponseBytes))
        return
      }
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > options.maxResponseBytes) finish(tooLarge(options.maxResponseBytes))
        else chunks.push(chunk)
      })
      response.on('error', (error: NodeJS.ErrnoException) => finish(upstreamError(describe(error))))
      response.on('end', () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          headers: response.headers as Record<string, string | string[]>,
          body: Buffer.concat(chunks),
        }),
      )
    })
    request.end(options.body ?? undefined)
  })
}

/** A network or TLS failure as a code and a generic reason (Node's text could quote a header). */
function describe(error: NodeJS.ErrnoException): string {
  const code = typeof error.code === 'string' ? error.code : 'ERR_NETWORK'
  return `the request failed (${code})`
}

function upstreamError(why: string): WardenError {
  return new WardenError('ERR_UPSTREAM_UNAVAILABLE', `vault call: ${why}`)
}

function tooLarge(limit: number): WardenError {
  return new WardenError(
    'ERR_UPSTREAM_UNAVAILABLE',
    `vault call: the response is larger than ${limit} bytes; it was discarded`,
  )
}
