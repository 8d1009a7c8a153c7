import { AsyncLocalStorage } from 'node:async_hooks'
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
} from '@opentelemetry/api'

/** Request headers as Node and the MCP SDK hand them over (names in lower case). */
export type IncomingHeaders = Record<string, string | string[] | undefined>

/** The W3C trace context headers of the request being served. */
interface TraceHeaders {
  traceparent: string
  tracestate?: string
}

/** Fetch as the MCP SDK's HTTP client transports take it. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>

// Version, 32-hex trace id, 16-hex parent id, flags; later versions may append fields.
const TRACEPARENT = /^[\da-f]{2}-(?!0{32})[\da-f]{32}-(?!0{16})[\da-f]{16}-[\da-f]{2}(-[\w.-]*)?$/
const TRACESTATE = /^[\x20-\x7e]{1,512}$/

const served = new AsyncLocalStorage<TraceHeaders>()

const getter: TextMapGetter<IncomingHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
}

/**
 * Runs `work` as part of the trace the request names: its HTTP `traceparent` header, else the
 * `traceparent` in its `params._meta` (MCP SEP-414, the only carrier over stdio). `parent` is
 * the context the registered propagator extracts (the active one when none is registered), and
 * requests sent meanwhile (`tracingFetch`, `outgoingTraceHeaders`) carry the trace on.
 */
export function withIncomingTrace<T>(
  headers: IncomingHeaders | undefined,
  meta: Record<string, unknown> | undefined,
  work: (parent: Context) => T,
): T {
  for (const carrier of [headers, meta && metaCarrier(meta)]) {
    const traceHeaders = carrier && traceHeadersOf(carrier)
    if (!traceHeaders) continue
    const parent = propagation.extract(ROOT_CONTEXT, carrier, getter)
    return served.run(traceHeaders, () => work(parent))
  }
  return work(context.active())
}

/** The trace keys of a request's `_meta` (SEP-414 names them as the HTTP headers are named). */
function metaCarrier(meta: Record<string, unknown>): IncomingHeaders {
  const carrier: IncomingHeaders = {}
  for (const key of ['traceparent', 'tracestate']) {
    if (typeof meta[key] === 'string') carrier[key] = meta[key]
  }
  return carrier
}

/**
 * The trace headers for an outgoing request: what the registered propagator injects for the
 * active span, or, with no OpenTelemetry SDK registered, the served request's own headers
 * unchanged, so a trace crosses mcp-warden even when mcp-warden does not record it.
 */
export function outgoingTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {}
  propagation.inject(context.active(), carrier)
  if (Object.keys(carrier).length > 0) return carrier
  const passed = served.getStore()
  if (!passed) return carrier
  return {
    traceparent: passed.traceparent,
    ...(passed.tracestate !== undefined ? { tracestate: passed.tracestate } : {}),
  }
}

/** `inner` with the trace headers of `outgoingTraceHeaders` added to every request. */
export function tracingFetch(inner: FetchLike = fetch): FetchLike {
  return (url, init) => {
    const trace = outgoingTraceHeaders()
    const names = Object.keys(trace)
    if (names.length === 0) return inner(url, init)
    const headers = new Headers(init?.headers)
    for (const name of names) headers.set(name, trace[name]!)
    return inner(url, { ...init, headers })
  }
}

function traceHeadersOf(headers: IncomingHeaders): TraceHeaders | undefined {
  const traceparent = single(headers.traceparent)?.trim().toLowerCase()
  if (traceparent === undefined || !TRACEPARENT.test(traceparent)) return undefined
  const tracestate = single(headers.tracestate)?.trim()
  return {
    traceparent,
    ...(tracestate !== undefined && TRACESTATE.test(tracestate) ? { tracestate } : {}),
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value
}
