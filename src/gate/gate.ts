import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { AuditLog } from '../audit/audit-log.js'
import type { AuditEntry, AuditTarget } from '../audit/audit-record.js'
import { WardenError } from '../errors.js'
import { inSpan, SPAN } from '../observability/tracing.js'
import type { WardenMetrics } from '../observability/warden-metrics.js'
import type { PolicySet } from '../policy/policy-set.js'
import type { Decision, PolicyRequest, Principal } from '../policy/request.js'

/** Where decisions go: the hash-chained audit log, or any object with its `append`. */
export type AuditSink = Pick<AuditLog, 'append'>

export interface GateOptions {
  /** A fixed set, or a getter read on every decision (hot reload swaps what it returns). */
  policies: PolicySet | (() => PolicySet)
  audit?: AuditSink
  /** Name the deciding rule in denial messages. Off by default: rule names tell an attacker what to avoid. */
  exposeRuleNames?: boolean
  /** Counts decisions by effect, rule and tool, and times them (audit write included). */
  metrics?: WardenMetrics
}

export interface GateMeta {
  method: string
  sessionId?: string
}

export interface Verdict {
  decision: Decision
  decisionId: string
}

/** What a list item is, for the `list` decision: exactly one of tool, resource, prompt. */
export type ListTarget = Pick<PolicyRequest, 'tool' | 'resource' | 'prompt'>

export interface Gate {
  readonly exposeRuleNames: boolean
  /** Whether the current policies let an unknown JSON-RPC method through (`allow_methods`). */
  allowsMethod(method: string): boolean
  /** Decides one call/read/get and audits it before answering; an audit failure refuses. */
  authorize(principal: Principal, request: PolicyRequest, meta: GateMeta): Promise<Verdict>
  /** Keeps the items the principal may list; one audit record for the whole list. */
  filterList<T>(
    principal: Principal,
    items: readonly T[],
    target: (item: T) => ListTarget,
    meta: GateMeta,
  ): Promise<T[]>
}

/** The authorization step shared by the middleware and the proxy. It knows nothing of MCP wire types. */
export function createGate(options: GateOptions): Gate {
  const { policies, audit, metrics } = options
  if (typeof policies !== 'function' && typeof policies?.decide !== 'function') {
    throw new WardenError('ERR_CONFIG_INVALID', 'gate: policies must be a PolicySet or a getter')
  }
  if (audit !== undefined && typeof audit.append !== 'function') {
    throw new WardenError('ERR_CONFIG_INVALID', 'gate: audit must have an append(entry) method')
  }
  const current = typeof policies === 'function' ? policies : () => policies

  async function write(entry: AuditEntry): Promise<void> {
    if (!audit) return
    try {
      await audit.append(entry)
    } catch (error) {
      if (error instanceof WardenError) throw error
      throw new WardenError('ERR_AUDIT_WRITE_FAILED', 'the decision could not be audited', {
        cause: error,
      })
    }
  }

  return {
    exposeRuleNames: options.exposeRuleNames === true,
    allowsMethod: (method) => current().allowedMethods.has(method),

    authorize(principal, request, meta) {
      const attributes = {
        'mcp.method.name': meta.method,
        ...(request.tool ? { 'gen_ai.tool.name': request.tool.name } : {}),
      }
      return inSpan(SPAN.authorize, { attributes }, async (span) => {
        const started = performance.now()
        const decision = current().decide({ ...request, user: principal })
        const decisionId = randomUUID()
        // Without an audit sink the entry would be built for nothing, on every call.
        if (audit) {
          const args = request.tool?.args ?? request.prompt?.args
          await write({
            ...entryBase(principal, meta, decisionId, started),
            target: targetOf(request),
            ...(args !== undefined ? { arguments: args } : {}),
            effect: decision.effect,
            rule: decision.rule,
            policy: decision.policy,
            reason: decision.reason,
          })
        }
        span.setAttributes({
          'mcp_warden.effect': decision.effect,
          'mcp_warden.rule': decision.rule ?? '',
          'mcp_warden.decision_id': decisionId,
        })
        metrics?.decided(
          {
            action: request.action,
            effect: decision.effect,
            rule: decision.rule,
            ...(request.tool ? { tool: request.tool.name } : {}),
          },
          (performance.now() - started) / 1000,
        )
        return { decision, decisionId }
      })
    },

    filterList<T>(
      principal: Principal,
      items: readonly T[],
      target: (item: T) => ListTarget,
      meta: GateMeta,
    ): Promise<T[]> {
      return inSpan(
        SPAN.authorize,
        { attributes: { 'mcp.method.name': meta.method } },
        async () => {
          const started = performance.now()
          const set = current()
          const shown: T[] = []
          const hidden: string[] = []
          for (const item of items) {
            const ref = target(item)
            const decision = set.decide({ action: 'list', user: principal, ...ref })
            if (decision.effect === 'allow') shown.push(item)
            else hidden.push(nameOf(ref))
          }
          await write({
            ...entryBase(principal, meta, randomUUID(), started),
            effect: 'allow',
            rule: null,
            policy: null,
            detail: { shown: shown.length, hidden },
          })
          metrics?.decided(
            { action: 'list', effect: 'allow' },
            (performance.now() - started) / 1000,
          )
          return shown
        },
      )
    },
  }
}

/** The four identity fields an audit record keeps: never claims, credentials or tokens. */
export function auditIdentity(principal: Principal): AuditEntry['identity'] {
  return {
    ...(principal.user_id !== undefined ? { user_id: principal.user_id } : {}),
    ...(principal.agent_id !== undefined ? { agent_id: principal.agent_id } : {}),
    roles: [...(principal.roles ?? [])],
    ...(principal.method !== undefined ? { method: principal.method } : {}),
  }
}

function entryBase(
  principal: Principal,
  meta: GateMeta,
  decisionId: string,
  started: number,
): Pick<AuditEntry, 'decision_id' | 'session_id' | 'identity' | 'method' | 'latency_ms'> {
  return {
    decision_id: decisionId,
    ...(meta.sessionId !== undefined ? { session_id: meta.sessionId } : {}),
    identity: auditIdentity(principal),
    method: meta.method,
    latency_ms: performance.now() - started,
  }
}

function targetOf(ref: ListTarget): AuditTarget {
  if (ref.tool) return { tool: ref.tool.name }
  if (ref.resource) return { uri: ref.resource.uri }
  return { prompt: ref.prompt?.name ?? '' }
}

function nameOf(ref: ListTarget): string {
  return ref.tool?.name ?? ref.resource?.uri ?? ref.prompt?.name ?? ''
}
