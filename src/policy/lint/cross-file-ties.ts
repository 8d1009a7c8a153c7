import { provablyDisjoint } from './disjoint.js'
import { describeWhere, type LintFinding } from './finding.js'
import { hasSlot, related, ruleFinding, ruleName, type LintRule } from './lint-rule.js'

const STRONGER = { allow: 0, escalate: 1, deny: 2 } as const

/**
 * Two rules from different files at the same priority with different effects that can match
 * one request: the effect order decides between them, which neither file shows. Reported on
 * the later rule in load order.
 */
export function crossFileTies(r: LintRule, rules: readonly LintRule[]): LintFinding[] {
  const findings: LintFinding[] = []
  for (const other of rules) {
    if (other.compiled.order >= r.compiled.order) break
    if (
      other.origin === r.origin ||
      other.compiled.priority !== r.compiled.priority ||
      other.rule.effect === r.rule.effect
    ) {
      continue
    }
    const shared = r.live.filter((slot) => hasSlot(other.live, slot))
    if (!shared.some((slot) => !provablyDisjoint(other.rule, r.rule, slot))) continue
    const winner = STRONGER[r.rule.effect] > STRONGER[other.rule.effect] ? r : other
    findings.push(
      ruleFinding(
        r,
        'W_CROSS_FILE_TIE',
        `rule "${r.rule.name}" (${r.rule.effect}) ties with ${ruleName(other, r)} (${other.rule.effect}, ${describeWhere(related(other))}) at priority ${r.compiled.priority}, and both can match the same request: ${winner.rule.effect} wins by effect order (deny > escalate > allow), not by anything either file says; give one of them a higher priority`,
        { related: related(other) },
      ),
    )
  }
  return findings
}
