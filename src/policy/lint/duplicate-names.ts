import type { Policy } from '../schema.js'
import { describeWhere, policyFinding, type LintFinding } from './finding.js'
import { related, ruleFinding, type LintRule } from './lint-rule.js'

/** A rule name used twice in one policy: decisions, traces and expect_rule name rules. */
export function duplicateRuleName(r: LintRule, rules: readonly LintRule[]): LintFinding[] {
  const earlier = rules.find(
    (other) =>
      other.policyIndex === r.policyIndex &&
      other.index < r.index &&
      other.rule.name === r.rule.name,
  )
  if (!earlier) return []
  return [
    ruleFinding(
      r,
      'W_DUPLICATE_RULE_NAME',
      `rule name "${r.rule.name}" is already used by rules[${earlier.index}] (${describeWhere(related(earlier))}): decisions and expect_rule could mean either; rename one`,
      { path: '.name', related: related(earlier) },
    ),
  ]
}

/** A policy name used by another file too: decisions and audit records name the policy. */
export function duplicatePolicyName(
  policy: Policy,
  policyIndex: number,
  policies: readonly Policy[],
): LintFinding[] {
  const earlier = policies.slice(0, policyIndex).find((other) => other.name === policy.name)
  if (!earlier) return []
  const where = { file: earlier.source?.file, line: earlier.source?.line, policy: earlier.name }
  return [
    policyFinding(
      policy,
      'W_DUPLICATE_POLICY_NAME',
      `policy name "${policy.name}" is already used by ${describeWhere(where)}: decisions and audit records could mean either; rename one`,
      where,
    ),
  ]
}
