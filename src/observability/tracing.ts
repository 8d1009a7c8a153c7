import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api'

/** The tracer every mcp-warden span comes from; a no-op until the application registers an SDK. */
export const TRACER_NAME = 'mcp-warden'

/** The spans mcp-warden opens, one per pipeline step. */
export const SPAN = {
  identify: 'mcp-warden.identify',
  authorize: 'mcp-warden.authorize',
  approve: 'mcp-warden.approve',
  forward: 'mcp-warden.forward',
} as const

export interface SpanOptions {
  attributes?: Attributes
  kind?: SpanKind
  /** The parent; default the active context. */
  parent?: Context
}

/**
 * Runs `work` inside a new active span, ending it when `work` settles; a rejection marks the
 * span as an error (with the error's code, never its arguments) and is rethrown.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME)
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span)
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(error) })
        throw error
      } finally {
        span.end()
      }
    },
  )
}

/** The stable code of an error (ERR_…, a JSON-RPC number), else its class name: no free text. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' || typeof code === 'number') return String(code)
  return error instanceof Error ? error.name : 'error'
}

export { SpanKind }
