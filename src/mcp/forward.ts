import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  ResultSchema,
  type ClientRequest,
  type JSONRPCRequest,
  type Progress,
  type Result,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import { performance } from 'node:perf_hooks'
import { WardenError } from '../errors.js'
import { outgoingTraceHeaders } from '../observability/trace-propagation.js'
import { inSpan, SPAN, SpanKind } from '../observability/tracing.js'
import type { WardenMetrics } from '../observability/warden-metrics.js'
import { withForwardedAuth } from './forwarded-auth.js'
import { clientMeta } from './warden-meta.js'
import { toWireError } from './wire-error.js'

export type FrontExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

export interface ForwardOptions {
  /** Upper bound for one forwarded request; progress resets it. */
  timeoutMs: number
  /** Warden `_meta` entries to add (decision, principal). */
  meta?: Record<string, unknown>
}

/** Which metrics time each upstream client's answers (set by the bridge when it opens one). */
const timedClients = new WeakMap<Client, WardenMetrics>()

/** Times every request `forward` sends through `client` (`warden_upstream_request_duration_seconds`). */
export function timeForwards(client: Client, metrics: WardenMetrics): void {
  timedClients.set(client, metrics)
}

/**
 * Sends one client request to the upstream and returns its result untouched (unknown fields
 * survive). Progress goes back under the client's own token, the client's cancellation aborts
 * the upstream request, upstream errors come back with their code and message.
 */
export async function forward(
  client: Client,
  request: JSONRPCRequest,
  extra: FrontExtra,
  options: ForwardOptions,
): Promise<Result> {
  const { _meta, ...params } = request.params ?? {}
  const progressToken = extra._meta?.progressToken
  const onprogress =
    progressToken === undefined
      ? undefined
      : (progress: Progress) =>
          void extra
            .sendNotification({
              method: 'notifications/progress',
              params: { ...progress, progressToken },
            })
            .catch(() => undefined)
  const attributes = { 'mcp.method.name': request.method }
  return inSpan(SPAN.forward, { kind: SpanKind.CLIENT, attributes }, async () => {
    // Built inside the forward span, so the trace context names it as the upstream's parent.
    const meta = {
      ...clientMeta(_meta as FrontExtra['_meta']),
      ...outgoingTraceHeaders(),
      ...options.meta,
    }
    const outgoing = {
      method: request.method,
      params: { ...params, ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}) },
    } as ClientRequest
    const started = performance.now()
    let outcome: 'ok' | 'error' = 'error'
    try {
      const result = await withForwardedAuth(extra.authInfo as AuthInfo | undefined, () =>
        client.request(outgoing, ResultSchema, {
          signal: extra.signal,
          timeout: options.timeoutMs,
          resetTimeoutOnProgress: true,
          ...(onprogress ? { onprogress } : {}),
        }),
      )
      outcome = 'ok'
      return result
    } catch (error) {
      // A request cut off by a shutdown fails with the shutdown's reason, not the SDK's timeout.
      const reason: unknown = extra.signal.aborted ? extra.signal.reason : undefined
      throw toWireError(reason instanceof WardenError ? reason : error)
    } finally {
      timedClients
        .get(client)
        ?.upstreamRequest(request.method, outcome, (performance.now() - started) / 1000)
    }
  })
}
