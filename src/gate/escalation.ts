import { performance } from 'node:perf_hooks'
import { canonicalDigest } from '../audit/canonical-digest.js'
import type { AuditDetail, AuditEntry } from '../audit/audit-record.js'
import { WardenError, type WardenErrorCode } from '../errors.js'
import type { Principal } from '../policy/request.js'
import type { ApprovalBackend, BackendApproval } from '../approval/backend/approval-backend.js'
import { escalationRequestFor } from '../approval/backend/escalation-request.js'
import { linkedSignal, shuttingDown } from '../observability/in-flight.js'
import { inSpan, SPAN } from '../observability/tracing.js'
import type { WardenMetrics } from '../observability/warden-metrics.js'
import { auditIdentity, type AuditSink, type GateMeta, type Verdict } from './gate.js'
import { deepFreeze } from '../deep-freeze.js'

export interface EscalationOptions {
  backend: ApprovalBackend
  /** `block` (default): the call waits for the decision; `return`: it answers "pending" at once. */
  wait?: 'block' | 'return'
  /** How often a blocked call sends progress while it waits; default 5 s. */
  progressIntervalMs?: number
  audit?: AuditSink
  /** The current policy set's version; an approval made under another version never runs. */
  policyVersion: () => string
  /** Counts resolved approvals by status and method, and times blocked waits. */
  metrics?: WardenMetrics
  /** Aborts at shutdown: blocked calls withdraw their request and answer a retryable error. */
  stopping?: AbortSignal
}

export interface EscalatedCall {
  /** The server name approvers see in the parameters (`{server, tool, arguments, principal}`). */
  server: string
  principal: Principal
  tool: string
  args: Record<string, unknown>
  verdict: Verdict
  meta: GateMeta
  signal: AbortSignal
  /** Called while a blocked call waits, so clients with progress-reset timeouts stay alive. */
  onWaiting?: (approval: BackendApproval, waitedMs: number) => void
}

export type EscalationOutcome =
  /** Run exactly `args` (a frozen copy of what was approved), then report the result. */
  | { kind: 'run'; approval: BackendApproval; args: Record<string, unknown> }
  | { kind: 'pending'; approval: BackendApproval }
  | { kind: 'refused'; code: WardenErrorCode; message: string; approval?: BackendApproval }

export interface Escalator {
  escalate(call: EscalatedCall): Promise<EscalationOutcome>
  /** Audits and reports how the approved call went. */
  finished(call: EscalatedCall, approval: BackendApproval, ok: boolean): Promise<void>
}

interface Remembered {
  id: string
  policyVersion: string
}

/**
 * The approval step of the gate: an escalated call becomes an approval request bound to
 * sha256(JCS({server, tool, arguments, principal})); it runs only once approved, only with
 * those exact arguments, only once, and only under the policy version it was approved for.
 * Anything else (denied, expired, cancelled, backend down) refuses: fail closed.
 */
export function createEscalator(options: EscalationOptions): Escalator {
  const wait = options.wait ?? 'block'
  const interval = options.progressIntervalMs ?? 5_000
  // `return` mode: a retry with identical arguments finds the request it created.
  const byHash = new Map<string, Remembered>()

  async function audit(
    call: EscalatedCall,
    event: AuditEntry['event'],
    detail: AuditDetail,
    status?: string,
  ) {
    if (!options.audit) return
    await options.audit.append({
      decision_id: call.verdict.decisionId,
      ...(call.meta.sessionId !== undefined ? { session_id: call.meta.sessionId } : {}),
      identity: auditIdentity(call.principal),
      method: call.meta.method,
      target: { tool: call.tool },
      effect: 'escalate',
      rule: call.verdict.decision.rule,
      policy: call.verdict.decision.policy,
      latency_ms: 0,
      event,
      ...(status !== undefined ? { status } : {}),
      detail,
    })
  }

  function parametersOf(call: EscalatedCall, args: Record<string, unknown>) {
    const { principal } = call
    return {
      server: call.server,
      tool: call.tool,
      arguments: args,
      principal: {
        ...(principal.user_id !== undefined ? { user_id: principal.user_id } : {}),
        ...(principal.agent_id !== undefined ? { agent_id: principal.agent_id } : {}),
        roles: [...(principal.roles ?? [])],
      },
    }
  }

  /** The request a retry should reuse: this process's, or one the backend finds for the hash. */
  async function recall(
    hash: string,
    createdBy: string,
    version: string,
    signal: AbortSignal,
  ): Promise<Remembered | undefined> {
    const local = byHash.get(hash)
    if (local) return local
    const found = await options.backend.find?.(hash, createdBy, signal)
    return found ? { id: found.id, policyVersion: found.policy_version ?? version } : undefined
  }

  const refused = (
    code: WardenErrorCode,
    message: string,
    approval?: BackendApproval,
  ): EscalationOutcome => ({
    kind: 'refused',
    code,
    message,
    ...(approval ? { approval } : {}),
  })

  async function settle(
    call: EscalatedCall,
    approval: BackendApproval,
    hash: string,
    version: string,
    args: Record<string, unknown>,
    waitedMs?: number,
  ): Promise<EscalationOutcome> {
    if (approval.status === 'pending') return { kind: 'pending', approval }
    byHash.delete(hash)
    resolved(approval.status, approval.method, waitedMs)
    await audit(call, 'approval_resolved', resolvedDetail(approval), approval.status)
    if (approval.status === 'denied') {
      const why = approval.deny_reason ? `: ${approval.deny_reason}` : ''
      return refused('ERR_APPROVAL_DENIED', `the approver denied this call${why}`, approval)
    }
    if (approval.status === 'expired') {
      return refused(
        'ERR_APPROVAL_EXPIRED',
        'nobody approved this call before it expired',
        approval,
      )
    }
    if (approval.status !== 'approved') {
      return refused('ERR_APPROVAL_ALREADY_EXECUTED', 'this approval was already used', approval)
    }
    if (version !== options.policyVersion()) {
      return refused(
        'ERR_APPROVAL_NOT_APPROVED',
        'the policy changed since this call was approved; call again',
        approval,
      )
    }
    // Re-hash what will be forwarded, just before forwarding: it must be what was approved.
    if (
      canonicalDigest(parametersOf(call, args)) !== approval.content_hash ||
      hash !== approval.content_hash
    ) {
      return refused(
        'ERR_APPROVAL_HASH_MISMATCH',
        'the approved arguments differ from this call',
        approval,
      )
    }
    const claimed = await options.backend.claim(approval.id, approval.content_hash, call.signal)
    await audit(call, 'executed', { approval_id: approval.id }, 'claimed')
    return { kind: 'run', approval: claimed, args }
  }

  function resolved(status: string, method: string | undefined, waitedMs?: number): void {
    options.metrics?.approvalResolved(
      status,
      method,
      waitedMs === undefined ? undefined : waitedMs / 1000,
    )
  }

  /** Withdraws a request nobody will wait for any more, and audits why. */
  async function withdraw(
    call: EscalatedCall,
    approval: BackendApproval,
    started: number,
    reason: string,
  ): Promise<void> {
    await options.backend.cancel(approval.id).catch(() => undefined)
    resolved('cancelled', undefined, performance.now() - started)
    await audit(call, 'approval_resolved', { approval_id: approval.id, reason }, 'cancelled')
  }

  return {
    escalate(call) {
      const attributes = {
        'gen_ai.tool.name': call.tool,
        'mcp_warden.rule': call.verdict.decision.rule ?? '',
      }
      return inSpan(SPAN.approve, { attributes }, async (span) => {
        const outcome = await escalate(call)
        span.setAttributes({
          'mcp_warden.approval.outcome': outcome.kind === 'refused' ? outcome.code : outcome.kind,
          ...(outcome.approval ? { 'mcp_warden.approval.id': outcome.approval.id } : {}),
        })
        return outcome
      })
    },

    async finished(call, approval, ok) {
      await audit(call, 'result', { approval_id: approval.id }, ok ? 'succeeded' : 'failed')
      await options.backend
        .reportResult(approval.id, ok ? 'succeeded' : 'failed')
        .catch(() => undefined)
    },
  }

  async function escalate(call: EscalatedCall): Promise<EscalationOutcome> {
    const args = deepFreeze(structuredClone(call.args))
    const parameters = parametersOf(call, args)
    let hash: string
    try {
      hash = canonicalDigest(parameters)
    } catch (error) {
      return refused(
        'ERR_APPROVAL_INVALID',
        `the arguments cannot be approved: ${(error as Error).message}`,
      )
    }
    try {
      const version = options.policyVersion()
      const mode = call.verdict.decision.approval?.wait ?? wait
      const createdBy = call.principal.agent_id ?? call.principal.user_id ?? 'anonymous'
      const known =
        mode === 'return' ? await recall(hash, createdBy, version, call.signal) : undefined
      if (known) {
        if (known.policyVersion !== version) byHash.delete(hash)
        else
          return await settle(
            call,
            await options.backend.get(known.id, call.signal),
            hash,
            known.policyVersion,
            args,
          )
      }
      const request = escalationRequestFor({
        approval: call.verdict.decision.approval ?? {},
        rule: call.verdict.decision.rule ?? 'escalate',
        policyVersion: version,
        tool: call.tool,
        args,
        parameters,
        createdBy,
      })
      let approval = await options.backend.create(request, call.signal)
      await audit(
        call,
        'approval_requested',
        { approval_id: approval.id, backend: options.backend.kind },
        approval.status,
      )
      if (mode === 'return') {
        if (approval.status === 'pending')
          byHash.set(hash, { id: approval.id, policyVersion: version })
        return await settle(call, approval, hash, version, args)
      }
      const started = performance.now()
      const stopping = options.stopping
      const linked = linkedSignal(call.signal, stopping)
      try {
        while (approval.status === 'pending') {
          if (call.signal.aborted) {
            await withdraw(call, approval, started, 'the call was cancelled')
            return refused(
              'ERR_APPROVAL_DENIED',
              'the call was cancelled while it waited for approval',
              approval,
            )
          }
          if (stopping?.aborted) {
            await withdraw(call, approval, started, 'mcp-warden is shutting down')
            const { code, message } = shuttingDown()
            return refused(code, message, approval)
          }
          call.onWaiting?.(approval, performance.now() - started)
          try {
            approval = await options.backend.wait(approval.id, interval, linked.signal)
          } catch (error) {
            // A wait cut short by the shutdown is not the backend failing.
            if (!stopping?.aborted || call.signal.aborted) throw error
          }
        }
      } finally {
        linked.dispose()
      }
      return await settle(call, approval, hash, version, args, performance.now() - started)
    } catch (error) {
      if (
        error instanceof WardenError &&
        error.code.startsWith('ERR_APPROVAL_') &&
        error.code !== 'ERR_APPROVAL_BACKEND_UNAVAILABLE'
      ) {
        return refused(error.code, error.message)
      }
      return refused(
        'ERR_APPROVAL_BACKEND_UNAVAILABLE',
        'the approval service cannot be reached; the call was not run',
      )
    }
  }
}

function resolvedDetail(approval: BackendApproval): AuditDetail {
  return {
    approval_id: approval.id,
    ...(approval.method !== undefined ? { approval_method: approval.method } : {}),
    ...(approval.resolved_by !== undefined ? { approver: approval.resolved_by } : {}),
    ...(approval.deny_reason !== undefined ? { deny_reason: approval.deny_reason } : {}),
  }
}
