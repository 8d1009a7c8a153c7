import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { WardenError } from '../errors.js'
import { createGate, type AuditSink } from '../gate/gate.js'
import { openPolicySource, type PoliciesOption } from '../gate/policy-source.js'
import { createEscalator } from '../gate/escalation.js'
import type { ApprovalBackend } from '../approval/backend/approval-backend.js'
import type { WardenMetrics } from '../observability/warden-metrics.js'
import { createBridge, type BridgeSession, type PrincipalSource } from './bridge.js'
import { forwardingAuthInfo } from './forwarded-auth.js'

export type GuardableServer = McpServer | Server

export interface GuardOptions {
  /** Policy files or directories, a PolicySet, or builder output. */
  policies: PoliciesOption
  /** Reload policy files when they change; a bad edit keeps the last good policies. */
  watch?: boolean
  onPolicyReloadError?: (error: unknown) => void
  /** Who is calling: fixed for stdio, or derived from each request's `extra.authInfo`. */
  principal: PrincipalSource
  audit?: AuditSink
  exposeRuleNames?: boolean
  /** Unknown methods to relay anyway; any other unknown method is refused. */
  allowMethods?: readonly string[]
  requestTimeoutMs?: number
  /** Where escalated calls go for a human decision; without it they are refused. */
  approvals?: GuardApprovals
  /**
   * Counts decisions, sessions, upstream latency and approvals (createWardenMetrics); give it
   * your own prom-client Registry to serve them beside your application's metrics.
   */
  metrics?: WardenMetrics
}

export interface GuardApprovals {
  backend: ApprovalBackend
  /** `block` (default) waits with progress; `return` answers "pending" and runs the retry. */
  wait?: 'block' | 'return'
  progressIntervalMs?: number
  /** The server name approvers see in the parameters; default `mcp`. */
  serverName?: string
}

export interface GuardedServer {
  /** Serves one client session over any SDK server transport (stdio, Streamable HTTP, …). */
  connect(transport: Transport): Promise<void>
  /** Ends every session and stops watching policy files. */
  close(): Promise<void>
}

/**
 * Puts the policy gate in front of an MCP server. Pass a server to serve one session at a time,
 * or a factory to give every session its own server (several Streamable HTTP sessions).
 */
export async function guard(
  server: GuardableServer | (() => GuardableServer),
  options: GuardOptions,
): Promise<GuardedServer> {
  if (options?.principal === undefined) {
    throw new WardenError('ERR_CONFIG_INVALID', 'guard: options.principal is required')
  }
  const policies = await openPolicySource(options.policies, {
    ...(options.watch !== undefined ? { watch: options.watch } : {}),
    ...(options.onPolicyReloadError ? { onReloadError: options.onPolicyReloadError } : {}),
  })
  const metrics = options.metrics ? { metrics: options.metrics } : {}
  const gate = createGate({
    policies: policies.current,
    ...(options.audit ? { audit: options.audit } : {}),
    ...(options.exposeRuleNames !== undefined ? { exposeRuleNames: options.exposeRuleNames } : {}),
    ...metrics,
  })
  const bridge = createBridge({
    gate,
    principal: options.principal,
    upstream: () => linkInner(typeof server === 'function' ? server() : server),
    forwardIdentity: true,
    ...metrics,
    ...(options.allowMethods ? { allowMethods: options.allowMethods } : {}),
    ...(options.requestTimeoutMs !== undefined
      ? { requestTimeoutMs: options.requestTimeoutMs }
      : {}),
    ...(options.approvals
      ? {
          escalator: createEscalator({
            backend: options.approvals.backend,
            policyVersion: () => policies.current().version,
            ...(options.approvals.wait ? { wait: options.approvals.wait } : {}),
            ...(options.approvals.progressIntervalMs !== undefined
              ? { progressIntervalMs: options.approvals.progressIntervalMs }
              : {}),
            ...(options.audit ? { audit: options.audit } : {}),
            ...metrics,
          }),
          serverName: options.approvals.serverName ?? 'mcp',
        }
      : {}),
  })
  const sessions = new Set<BridgeSession>()

  return {
    async connect(transport) {
      const session = await bridge.connect(transport)
      sessions.add(session)
      void session.closed.then(() => sessions.delete(session))
    },
    async close() {
      policies.close()
      await Promise.all([...sessions].map((session) => session.close()))
      sessions.clear()
    },
  }
}

async function linkInner(target: GuardableServer): Promise<Transport> {
  const inner = target instanceof McpServer ? target.server : target
  if (inner.transport) {
    throw new WardenError(
      'ERR_GUARD_ALREADY_CONNECTED',
      'the guarded server already serves a session; pass a factory to serve several',
    )
  }
  const [bridgeSide, serverSide] = InMemoryTransport.createLinkedPair()
  await target.connect(serverSide)
  return forwardingAuthInfo(bridgeSide)
}
