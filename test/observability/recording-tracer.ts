import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api'

/**
 * What an application's OpenTelemetry SDK registers, reduced to what the tests observe: an
 * AsyncLocalStorage context manager, the W3C traceparent propagator and a tracer that keeps
 * every span. @opentelemetry/sdk-* is not a dependency, so the tests bring these three.
 */
export interface RecordedSpan {
  name: string
  traceId: string
  spanId: string
  parentSpanId?: string
  kind?: number
  attributes: Attributes
  status?: SpanStatus
  ended: boolean
}

export interface RecordingTracing {
  spans: RecordedSpan[]
  /** Unregisters everything (the API is back to its no-op defaults). */
  stop(): void
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

export function registerRecordingTracing(): RecordingTracing {
  const spans: RecordedSpan[] = []
  const storage = new AsyncLocalStorage<Context>()
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, target) => target,
    enable() {
      return this
    },
    disable() {
      storage.disable()
      return this
    },
  }
  const tracer: Tracer = {
    startSpan: (name, options, ctx) =>
      startSpan(spans, name, options ?? {}, ctx ?? context.active()),
    startActiveSpan(name: string, ...rest: unknown[]) {
      const fn = rest.pop() as (span: Span) => unknown
      const [options = {}, ctx = context.active()] = rest as [SpanOptions?, Context?]
      const span = startSpan(spans, name, options, ctx)
      return context.with(trace.setSpan(ctx, span), () => fn(span))
    },
  } as Tracer
  context.setGlobalContextManager(manager)
  propagation.setGlobalPropagator(w3cPropagator)
  trace.setGlobalTracerProvider({ getTracer: () => tracer })
  return {
    spans,
    stop() {
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}

function startSpan(spans: RecordedSpan[], name: string, options: SpanOptions, ctx: Context): Span {
  const parent = trace.getSpanContext(ctx)
  const valid = parent && isSpanContextValid(parent)
  const recorded: RecordedSpan = {
    name,
    traceId: valid ? parent.traceId : hex(16),
    spanId: hex(8),
    ...(valid ? { parentSpanId: parent.spanId } : {}),
    ...(options.kind !== undefined ? { kind: options.kind } : {}),
    attributes: { ...options.attributes },
    ended: false,
  }
  spans.push(recorded)
  const spanContext: SpanContext = {
    traceId: recorded.traceId,
    spanId: recorded.spanId,
    traceFlags: 1,
  }
  const span: Span = {
    spanContext: () => spanContext,
    setAttribute(key, value) {
      recorded.attributes[key] = value
      return span
    },
    setAttributes(attributes) {
      Object.assign(recorded.attributes, attributes)
      return span
    },
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus(status) {
      recorded.status = status
      return span
    },
    updateName(next) {
      recorded.name = next
      return span
    },
    end() {
      recorded.ended = true
    },
    isRecording: () => true,
    recordException: () => undefined,
  }
  return span
}

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/

const w3cPropagator: TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx)
    if (!span || !isSpanContextValid(span)) return
    const flags = `0${(span.traceFlags & 1).toString(16)}`
    setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-${flags}`)
  },
  extract(ctx, carrier, getter) {
    const value = getter.get(carrier, 'traceparent')
    const match = TRACEPARENT.exec(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''))
    if (!match) return ctx
    return trace.setSpanContext(ctx, {
      traceId: match[1]!,
      spanId: match[2]!,
      traceFlags: parseInt(match[3]!, 16),
      isRemote: true,
    })
  },
  fields: () => ['traceparent'],
}
