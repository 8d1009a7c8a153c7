import {
  preparsePolicySet,
  statefulIsAuthorized,
  type EntityJson,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs'
import type { BenchEngine } from './bench-engine.js'
import {
  deleteTool,
  forceDeleteRuleName,
  readPattern,
  readRuleName,
  type Workload,
} from './decision-workload.js'

/**
 * The workload in Cedar: the user is a `User` entity whose parents are its 2 `Role`s, the tool
 * a `Tool` entity with a `name` attribute (Cedar cannot pattern-match an entity id), and
 * `args.force` the context's `force`. Policy ids are our rule names, so the deciding
 * rule can be compared. The policy set is parsed once (`preparsePolicySet`) and every
 * request object is built before timing, so only `statefulIsAuthorized` is measured.
 */
export function cedarPeer(workload: Workload): BenchEngine {
  const policySetId = `bench-${workload.ruleCount}`
  const parsed = preparsePolicySet(policySetId, { staticPolicies: cedarPolicies(workload) })
  if (parsed.type !== 'success')
    throw new Error(`cedar rejected the policy set: ${JSON.stringify(parsed)}`)

  const calls = workload.requests.map((request): StatefulAuthorizationCall => {
    const user: EntityJson = {
      uid: { type: 'User', id: request.userId },
      attrs: {},
      parents: request.roles.map((role) => ({ type: 'Role', id: role })),
    }
    const tool: EntityJson = {
      uid: { type: 'Tool', id: request.tool },
      attrs: { name: request.tool },
      parents: [],
    }
    // Listing the Role entities themselves measured slightly faster than leaving them implicit.
    const roles = request.roles.map((role): EntityJson => ({
      uid: { type: 'Role', id: role },
      attrs: {},
      parents: [],
    }))
    return {
      principal: { type: 'User', id: request.userId },
      action: { type: 'Action', id: 'call' },
      resource: { type: 'Tool', id: request.tool },
      context: { force: request.force },
      preparsedPolicySetId: policySetId,
      entities: [user, tool, ...roles],
    }
  })

  const authorize = (index: number) => {
    const answer = statefulIsAuthorized(calls[index]!)
    if (answer.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`)
    return answer.response
  }
  return {
    name: 'cedar-wasm',
    allows: (index) => authorize(index).decision === 'allow',
    explain: (index) => {
      const response = authorize(index)
      if (response.diagnostics.errors.length > 0)
        throw new Error(JSON.stringify(response.diagnostics))
      return { verdict: response.decision, rule: response.diagnostics.reason[0] ?? null }
    },
  }
}

function cedarPolicies(workload: Workload): Record<string, string> {
  const policies: Record<string, string> = {}
  for (let i = 0; i < workload.roleCount; i++) {
    policies[readRuleName(i)] =
      `permit (principal in Role::"role${i}", action == Action::"call", resource) ` +
      `when { resource.name like "${readPattern(i)}" };`
    policies[forceDeleteRuleName(i)] =
      `forbid (principal in Role::"role${i}", action == Action::"call", resource == Tool::"${deleteTool(i)}") ` +
      `when { context.force == true };`
  }
  return policies
}
