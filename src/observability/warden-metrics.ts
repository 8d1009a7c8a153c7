import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** The outcome of one credential vault execution. */
export type VaultOutcome = 'succeeded' | 'failed' | 'error'

/**
 * mcp-warden's Prometheus metrics, recorded through named methods so every call site uses
 * the same labels and no label can grow without bound (see `LABEL_VALUES_PER_LABEL`).
 */
export interface WardenMetrics {
  readonly registry: Registry
  /** One policy decision (call, read, get, completion, list) and how long it took, audit included. */
  decided(
    decision: { action: string; effect: string; rule?: string | null; tool?: string },
    seconds: number,
  ): void
  /** One request forwarded to an upstream, from send to answer. */
  upstreamRequest(method: string, outcome: 'ok' | 'error', seconds: number): void
  /** An approval request left `pending` (approved, denied, expired, cancelled, executed). */
  approvalResolved(status: string, method: string | undefined, waitedSeconds?: number): void
  sessionOpened(): void
  sessionClosed(): void
  /** An upstream process exited unexpectedly; the next request starts it again. */
  upstreamRestarted(upstream: string): void
  auditWriteFailed(): void
  vaultExecuted(outcome: VaultOutcome): void
  /** The text exposition format, for GET /metrics. */
  exposition(): Promise<{ contentType: string; body: string }>
}

/** Distinct values kept per label before new ones are counted as `_other`. */
export const LABEL_VALUES_PER_LABEL = 200
const OTHER = '_other'

/**
 * Registers mcp-warden's metrics in `registry`; without one, in a new registry that also
 * holds the Node.js process metrics (CPU, memory, event loop lag).
 */
export function createWardenMetrics(registry?: Registry): WardenMetrics {
  const target = registry ?? new Registry()
  if (!registry) collectDefaultMetrics({ register: target })
  const registers = [target]
  const decisions = new Counter({
    name: 'warden_decisions_total',
    help: 'Policy decisions, by action, effect, deciding rule and tool',
    labelNames: ['action', 'effect', 'rule', 'tool'] as const,
    registers,
  })
  const decisionSeconds = new Histogram({
    name: 'warden_decision_duration_seconds',
    help: 'Time to decide and audit one request',
    labelNames: ['action'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  })
  const upstreamSeconds = new Histogram({
    name: 'warden_upstream_request_duration_seconds',
    help: 'Time from forwarding a request to its upstream answer',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  const approvals = new Counter({
    name: 'warden_approvals_total',
    help: 'Approval requests that left pending, by status and approval method',
    labelNames: ['status', 'method'] as const,
    registers,
  })
  const approvalWait = new Histogram({
    name: 'warden_approval_wait_seconds',
    help: 'Time an approval request stayed pending',
    labelNames: ['status'] as const,
    buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  })
  const sessions = new Gauge({
    name: 'warden_active_sessions',
    help: 'Downstream MCP sessions currently open',
    registers,
  })
  const restarts = new Counter({
    name: 'warden_upstream_restarts_total',
    help: 'Upstream processes that exited unexpectedly and are started again on the next request',
    labelNames: ['upstream'] as const,
    registers,
  })
  const auditFailures = new Counter({
    name: 'warden_audit_write_failures_total',
    help: 'Audit records that could not be written',
    registers,
  })
  const vault = new Counter({
    name: 'warden_vault_executions_total',
    help: 'Credential vault executions: succeeded (2xx), failed (other status), error (no answer)',
    labelNames: ['outcome'] as const,
    registers,
  })
  for (const outcome of ['succeeded', 'failed', 'error'] as const) vault.inc({ outcome }, 0)
  auditFailures.inc(0)

  const label = boundedLabels()
  return {
    registry: target,
    decided(decision, seconds) {
      decisions.inc({
        action: label('action', decision.action),
        effect: label('effect', decision.effect),
        rule: label('rule', decision.rule ?? ''),
        tool: label('tool', decision.tool ?? ''),
      })
      decisionSeconds.observe({ action: label('action', decision.action) }, seconds)
    },
    upstreamRequest(method, outcome, seconds) {
      upstreamSeconds.observe({ method: label('method', method), outcome }, seconds)
    },
    approvalResolved(status, method, waitedSeconds) {
      const bounded = label('status', status)
      approvals.inc({ status: bounded, method: label('approval_method', method ?? 'none') })
      if (waitedSeconds !== undefined && waitedSeconds >= 0) {
        approvalWait.observe({ status: bounded }, waitedSeconds)
      }
    },
    sessionOpened: () => sessions.inc(),
    sessionClosed: () => sessions.dec(),
    upstreamRestarted: (upstream) => restarts.inc({ upstream: label('upstream', upstream) }),
    auditWriteFailed: () => auditFailures.inc(),
    vaultExecuted: (outcome) => vault.inc({ outcome }),
    async exposition() {
      return { contentType: target.contentType, body: await target.metrics() }
    },
  }
}

/** Label values as given until a label has seen LABEL_VALUES_PER_LABEL of them, then `_other`. */
function boundedLabels(): (name: string, value: string) => string {
  const seen = new Map<string, Set<string>>()
  return (name, value) => {
    let values = seen.get(name)
    if (!values) seen.set(name, (values = new Set()))
    if (values.has(value)) return value
    if (values.size >= LABEL_VALUES_PER_LABEL) return OTHER
    values.add(value)
    return value
  }
}
