import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  ErrorCode,
  InitializeRequestSchema,
  type InitializeRequest,
  type JSONRPCRequest,
  type Result,
} from '@modelcontextprotocol/sdk/types.js'
import { WardenError } from '../errors.js'
import type { Gate } from '../gate/gate.js'
import type { Escalator } from '../gate/escalation.js'
import { sameIdentity } from '../gate/session-identity.js'
import type { InFlight } from '../observability/in-flight.js'
import { withIncomingTrace } from '../observability/trace-propagation.js'
import { inSpan, SpanKind } from '../observability/tracing.js'
import type { WardenMetrics } from '../observability/warden-metrics.js'
import type { Principal } from '../policy/request.js'
import { timeForwards, type FrontExtra } from './forward.js'
import { FrontServer } from './front-server.js'
import { relay, ROUTES, unknownMethod } from './routes.js'
import { openUpstream, type UpstreamSession } from './upstream-session.js'
import { toWireError, WireError } from './wire-error.js'

/** Who is asking: a fixed principal (stdio, in-process) or one derived from each request (HTTP `authInfo`). */
export type PrincipalSource = Principal | ((extra: FrontExtra) => Principal | Promise<Principal>)

export interface BridgeOptions {
  gate: Gate
  principal: PrincipalSource
  /** Opens a fresh upstream connection; called once per downstream session, at its initialize. */
  upstream: () => Promise<Transport>
  /** Methods the bridge does not know but should relay anyway. Everything else unknown is refused. */
  allowMethods?: readonly string[]
  /** Add the decision and principal to forwarded `_meta`. */
  forwardIdentity?: boolean
  /** Upper bound for one forwarded request, reset by progress. Default 10 minutes. */
  requestTimeoutMs?: number
  /**
   * When the upstream connection drops, keep the downstream session and open a fresh upstream
   * for its next request (the proxy); by default the session ends with its upstream.
   */
  reopenUpstream?: boolean
  /** The namespace of a tool name (`fs` for `fs.read_file`), which policies see as `tool.namespace`. */
  toolNamespace?: (name: string) => string | undefined
  /** Sends escalated tool calls for approval; without one they are refused ("approval required"). */
  escalator?: Escalator
  /** The server name approvers see for tools without a namespace. */
  serverName?: string
  /** Counts open sessions and times upstream answers. */
  metrics?: WardenMetrics
  /** Counts requests in flight, so a shutdown lets them finish and refuses new ones. */
  inFlight?: InFlight
}

/** One downstream session and the upstream session opened for it. */
export interface BridgeSession {
  /** Settles once the session ended, from either side. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

export interface Bridge {
  connect(transport: Transport): Promise<BridgeSession>
}

/** Client-to-server notifications relayed besides those the SDK handles (cancelled, progress). */
const CLIENT_NOTIFICATIONS = new Set(['notifications/roots/list_changed'])

/** A request cut short because its upstream connection dropped reads as the upstream failing. */
function upstreamLost(
  error: unknown,
  used: UpstreamSession | undefined,
  current: UpstreamSession | undefined,
): unknown {
  const closed = (error as { code?: unknown } | null)?.code === ErrorCode.ConnectionClosed
  if (!closed || used === undefined || used === current) return error
  return new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'the upstream connection closed', {
    cause: error,
  })
}

/** The one code path of the middleware and the proxy: a front Server, a gate, a back Client. */
export function createBridge(options: BridgeOptions): Bridge {
  const { metrics, inFlight } = options
  const allowed = new Set(options.allowMethods ?? [])
  const timeoutMs = options.requestTimeoutMs ?? 600_000
  const source = options.principal
  const resolvePrincipal = async (extra: FrontExtra): Promise<Principal> => {
    try {
      return typeof source === 'function' ? await source(extra) : source
    } catch (error) {
      if (error instanceof WardenError) throw error
      throw new WardenError('ERR_AUTH_INVALID', 'the caller could not be identified', {
        cause: error,
      })
    }
  }

  /**
   * One served request: in the caller's trace, counted in flight (its signal also aborts when
   * a shutdown's grace period ends), refused once shutting down.
   */
  const served = <T>(
    method: string,
    extra: FrontExtra,
    work: (extra: FrontExtra) => Promise<T>,
  ): Promise<T> =>
    withIncomingTrace(extra.requestInfo?.headers, extra._meta, (parent) => {
      const attributes = {
        'mcp.method.name': method,
        'jsonrpc.request.id': String(extra.requestId),
        ...(extra.sessionId !== undefined ? { 'mcp.session.id': extra.sessionId } : {}),
      }
      return inSpan(method, { kind: SpanKind.SERVER, parent, attributes }, () =>
        inFlight
          ? inFlight
              .run((signal) => work({ ...extra, signal }), extra.signal)
              .catch((error: unknown) => Promise.reject(toWireError(error)))
          : work(extra),
      )
    })

  return {
    async connect(transport) {
      const front = new FrontServer()
      let upstream: UpstreamSession | undefined
      let opener: Principal | undefined
      let init: InitializeRequest['params'] | undefined
      let reopening: Promise<UpstreamSession> | undefined
      let opening = false
      let initialized = false
      let ending: Promise<void> | undefined

      const close = (): Promise<void> => {
        ending ??= (async () => {
          await upstream?.close()
          await front.close()
        })()
        return ending
      }

      const attach = async (): Promise<UpstreamSession> => {
        const session = await openUpstream(await options.upstream(), init!, front, timeoutMs)
        if (metrics) timeForwards(session.client, metrics)
        session.client.onclose = () => {
          if (upstream !== session || ending) return
          if (options.reopenUpstream) upstream = undefined
          else void close()
        }
        if (ending) {
          await session.close()
          throw new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'the session is closing')
        }
        upstream = session
        return session
      }

      /** The live upstream, reopened after a drop; opening failures are errors, never hangs. */
      const currentUpstream = async (): Promise<UpstreamSession> => {
        if (upstream) return upstream
        reopening ??= attach().finally(() => (reopening = undefined))
        try {
          return await reopening
        } catch (error) {
          throw new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'the upstream could not be reached', {
            cause: error,
          })
        }
      }

      const initialize = async (request: InitializeRequest, extra: FrontExtra) => {
        if (opening || upstream) throw new WireError(-32600, 'the session is already initialized')
        opening = true
        try {
          opener = await resolvePrincipal(extra)
          init = request.params
          const session = await attach()
          initialized = true
          return session.initializeResult(request.params.protocolVersion)
        } catch (error) {
          opening = false
          throw toWireError(error)
        }
      }

      const handle = async (request: JSONRPCRequest, extra: FrontExtra) => {
        let used: UpstreamSession | undefined
        try {
          if (!initialized || !opener || (!upstream && !options.reopenUpstream)) {
            throw new WardenError('ERR_SESSION_NOT_INITIALIZED', 'initialize the session first')
          }
          const principal = await resolvePrincipal(extra)
          if (!sameIdentity(opener, principal)) {
            throw new WardenError(
              'ERR_SESSION_IDENTITY_CHANGED',
              'this session belongs to another identity; open a new session',
            )
          }
          used = await currentUpstream()
          const ctx = {
            gate: options.gate,
            upstream: used,
            principal,
            request,
            extra,
            timeoutMs,
            forwardIdentity: options.forwardIdentity === true,
            ...(options.toolNamespace ? { toolNamespace: options.toolNamespace } : {}),
            ...(options.escalator ? { escalator: options.escalator } : {}),
            ...(options.serverName ? { serverName: options.serverName } : {}),
          }
          const route = ROUTES[request.method]
          if (route) return (await route(ctx)) as Result as never
          if (allowed.has(request.method) || options.gate.allowsMethod(request.method)) {
            return (await relay(ctx)) as never
          }
          throw unknownMethod(request.method)
        } catch (error) {
          throw toWireError(upstreamLost(error, used, upstream))
        }
      }

      front.setRequestHandler(InitializeRequestSchema, (request, extra) =>
        served(request.method, extra, (served) => initialize(request, served)),
      )
      front.fallbackRequestHandler = (request: JSONRPCRequest, extra: FrontExtra) =>
        served(request.method, extra, (served) => handle(request, served))

      front.fallbackNotificationHandler = async (notification) => {
        if (!upstream) return
        if (
          CLIENT_NOTIFICATIONS.has(notification.method) ||
          allowed.has(notification.method) ||
          options.gate.allowsMethod(notification.method)
        ) {
          await upstream.client.notification(notification as never)
        }
      }

      let markClosed!: () => void
      const closed = new Promise<void>((resolve) => (markClosed = resolve))
      let open = false
      front.onclose = () => {
        if (open) metrics?.sessionClosed()
        open = false
        markClosed()
        void close()
      }
      await front.connect(transport)
      open = true
      metrics?.sessionOpened()
      return { close, closed }
    },
  }
}
