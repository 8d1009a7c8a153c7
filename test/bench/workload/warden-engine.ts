import { compilePolicies } from '../../../src/index.js'
import type { PolicyRequest } from '../../../src/policy/request.js'
import type { BenchEngine } from './bench-engine.js'
import type { Workload } from './decision-workload.js'

/** mcp-warden's compiled policy set; requests are built before timing, like the peers'. */
export function wardenEngine(workload: Workload): BenchEngine {
  const set = compilePolicies([workload.policy])
  const requests: PolicyRequest[] = workload.requests.map((request) => ({
    action: 'call',
    user: { user_id: request.userId, roles: [...request.roles] },
    tool: { name: request.tool, args: { force: request.force } },
  }))
  return {
    name: 'mcp-warden',
    allows: (index) => set.decide(requests[index]!).effect === 'allow',
    explain: (index) => {
      const decision = set.decide(requests[index]!)
      if (decision.effect === 'escalate')
        throw new Error(`unexpected escalate: ${JSON.stringify(decision)}`)
      return { verdict: decision.effect, rule: decision.rule }
    },
  }
}
