import type { PolicySet } from '../policy-set.js'
import type { Policy } from '../schema.js'
import { crossFileTies } from './cross-file-ties.js'
import { duplicatePolicyName, duplicateRuleName } from './duplicate-names.js'
import type { LintFinding } from './finding.js'
import { lintRules, type LintRule } from './lint-rule.js'
import { listArgumentConditions } from './list-arguments.js'
import { shadowedRule } from './shadowed.js'
import { unreachableRule } from './unreachable.js'

export type { LintCode, LintFinding, RelatedRule } from './finding.js'

type RuleCheck = (r: LintRule, rules: readonly LintRule[]) => LintFinding[]

const RULE_CHECKS: readonly RuleCheck[] = [
  duplicateRuleName,
  unreachableRule,
  listArgumentConditions,
  shadowedRule,
  crossFileTies,
]

/**
 * Lints loaded policies (as loadPolicies or compilePolicies produce them): every finding is a
 * warning about a policy that loads but probably does not say what its author meant. Findings
 * come in load order: policy by policy, rule by rule.
 */
export function lintPolicies(policies: readonly Policy[] | PolicySet): LintFinding[] {
  const list: readonly Policy[] = Array.isArray(policies)
    ? policies
    : (policies as PolicySet).policies
  const rules = lintRules(list)
  const findings: LintFinding[] = []
  list.forEach((policy, policyIndex) => {
    findings.push(...duplicatePolicyName(policy, policyIndex, list))
    for (const r of rules) {
      if (r.policyIndex !== policyIndex) continue
      for (const check of RULE_CHECKS) findings.push(...check(r, rules))
    }
  })
  return findings
}
