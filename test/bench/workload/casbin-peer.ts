import { newEnforcer, newModelFromString, StringAdapter } from 'casbin'
import type { BenchEngine } from './bench-engine.js'
import {
  deleteTool,
  forceDeleteRuleName,
  readPattern,
  readRuleName,
  type Workload,
} from './decision-workload.js'

/**
 * Plain RBAC has no argument conditions, so `args.force` is encoded in the act: a call with
 * `force: true` is act `call+force`, any other call act `call`. Allow policies carry act
 * `call*` (keyMatch: a forced read is still a read), the deny policy carries `call+force`.
 * The cheap keyMatch tests come before the role lookup, the faster of the two orders we tried.
 */
const MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = keyMatch(r.obj, p.obj) && keyMatch(r.act, p.act) && g(r.sub, p.sub)
`

/** Each pool request has its own user, assigned its 2 roles with `g` lines when the enforcer is built. */
export async function casbinPeer(workload: Workload): Promise<BenchEngine> {
  const lines: string[] = []
  for (let i = 0; i < workload.roleCount; i++) {
    lines.push(`p, role${i}, ${readPattern(i)}, call*, allow`)
    lines.push(`p, role${i}, ${deleteTool(i)}, call+force, deny`)
  }
  for (const request of workload.requests) {
    for (const role of request.roles) lines.push(`g, ${request.userId}, ${role}`)
  }
  const enforcer = await newEnforcer(newModelFromString(MODEL), new StringAdapter(lines.join('\n')))
  const tuples = workload.requests.map(
    (request) => [request.userId, request.tool, request.force ? 'call+force' : 'call'] as const,
  )
  return {
    name: 'casbin',
    allows: (index) => enforcer.enforceSync(...tuples[index]!),
    explain: (index) => {
      const [allowed, matched] = enforcer.enforceExSync(...tuples[index]!)
      const [role, , , effect] = matched
      const roleIndex = Number(role?.slice('role'.length))
      const rule =
        effect === undefined
          ? null
          : effect === 'allow'
            ? readRuleName(roleIndex)
            : forceDeleteRuleName(roleIndex)
      return { verdict: allowed ? 'allow' : 'deny', rule }
    },
  }
}
