import { WardenError } from '../../errors.js'
import { retryAfterSeconds } from '../client/client-errors.js'

/** One JSON call to a remote approval backend. */
export interface BackendCall {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  signal?: AbortSignal | undefined
  /** Longest the call may take before the backend counts as unreachable. */
  timeoutMs: number
}

export interface BackendHttpOptions {
  baseUrl: string
  headers: Record<string, string>
  fetch: typeof fetch
  /** Turns a non-2xx answer into the error the bridge sees. */
  refusal: (status: number, body: unknown, text: string) => WardenError
}

export type BackendHttp = <T>(call: BackendCall) => Promise<T>

/** A 429 answer; `retryAfterMs` from Retry-After when the server sent one. */
export class BackendRateLimited extends WardenError {
  readonly retryAfterMs: number | undefined

  constructor(message: string, retryAfterMs: number | undefined) {
    super('ERR_RATE_LIMITED', message)
    this.name = 'BackendRateLimited'
    this.retryAfterMs = retryAfterMs
  }
}

/**
 * Calls with a deadline; no answer, a timeout or a 5xx is ERR_APPROVAL_BACKEND_UNAVAILABLE
 * (the bridge then denies: fail closed). The caller's own abort is rethrown as it is.
 */
export function backendHttp(options: BackendHttpOptions): BackendHttp {
  const base = options.baseUrl.replace(/\/+$/, '')
  return async <T>(call: BackendCall): Promise<T> => {
    const deadline = AbortSignal.timeout(call.timeoutMs)
    const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline
    let response: Response
    let text: string
    try {
      response = await options.fetch(`${base}${call.path}`, {
        method: call.method,
        headers: {
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal,
      })
      text = await response.text()
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason
      throw unavailable(base, deadline.aborted ? `no answer in ${call.timeoutMs} ms` : error)
    }
    const body = parseJson(text)
    if (response.status === 429) {
      throw new BackendRateLimited(
        `the approval backend at ${base} is rate limiting`,
        retryAfterMs(response.headers.get('retry-after')),
      )
    }
    if (response.status >= 500 && response.status !== 501) {
      throw unavailable(base, `HTTP ${response.status}`)
    }
    if (response.status === 401) {
      throw unavailable(base, 'it refused the API key (HTTP 401)')
    }
    if (!response.ok) throw options.refusal(response.status, body, text)
    if (body === undefined) throw unavailable(base, `HTTP ${response.status} without JSON`)
    return body as T
  }
}

/** ERR_APPROVAL_BACKEND_UNAVAILABLE naming the backend and why. */
export function unavailable(base: string, why: unknown): WardenError {
  const reason = why instanceof Error ? describeFetchError(why) : String(why)
  return new WardenError(
    'ERR_APPROVAL_BACKEND_UNAVAILABLE',
    `the approval backend at ${base} cannot be used: ${reason}`,
    why instanceof Error ? { cause: why } : undefined,
  )
}

// undici's "fetch failed" keeps the reason (ECONNREFUSED, ENOTFOUND…) in its cause.
function describeFetchError(error: Error): string {
  const code = (error as { cause?: { code?: unknown } }).cause?.code
  return typeof code === 'string' ? `${error.message} (${code})` : error.message
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = retryAfterSeconds(header)
  return seconds === undefined ? undefined : seconds * 1000
}
