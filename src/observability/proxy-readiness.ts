import type { ApprovalBackend } from '../approval/backend/approval-backend.js'
import type { ProxyConfig } from '../mcp/proxy/load-proxy-config.js'
import type { PolicySet } from '../policy/policy-set.js'
import type { InFlight } from './in-flight.js'
import type { ReadinessCheck } from './readiness.js'
import { approvalBackendReachable, policiesLoaded, upstreamReachable } from './readiness-checks.js'

export interface ProxyReadinessInput {
  config: Pick<ProxyConfig, 'upstreams' | 'baseDir'>
  policies: () => PolicySet | undefined
  /** The approval backend (its store, or the service it calls), when `approvals:` is set. */
  approvals?: ApprovalBackend
  inFlight?: InFlight
}

/** What `warden proxy`'s /readyz checks: policies, every upstream, the approval store, not stopping. */
export function proxyReadiness(input: ProxyReadinessInput): ReadinessCheck[] {
  return [
    policiesLoaded(input.policies),
    ...input.config.upstreams.map((spec) => upstreamReachable(spec, input.config.baseDir)),
    ...(input.approvals ? [approvalBackendReachable(input.approvals)] : []),
    ...(input.inFlight ? [notStopping(input.inFlight)] : []),
  ]
}

/** A process that is shutting down takes no new traffic. */
export function notStopping(inFlight: Pick<InFlight, 'draining'>): ReadinessCheck {
  return {
    name: 'shutdown',
    async check() {
      if (inFlight.draining) throw new Error('shutting down')
    },
  }
}
