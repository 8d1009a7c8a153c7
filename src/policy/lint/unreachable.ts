import { KINDS, kindKey } from '../compiled-rule.js'
import { compileCondition } from '../conditions.js'
import { findContradiction } from './contradictions.js'
import type { LintFinding } from './finding.js'
import { actionsText, ruleFinding, slotText, type LintRule } from './lint-rule.js'
import { listArgumentsOnly } from './list-arguments.js'
import { staticTruth } from './static-truth.js'

const WHERE_ACTIONS_APPLY =
  'call applies to tools, read to resources, get to prompts, list to all three'

/** A rule that matches no request: no action fits its kinds, or its conditions never hold. */
export function unreachableRule(r: LintRule): LintFinding[] {
  const kinds = [...r.compiled.kinds].map(kindKey).join(', ')
  if (r.slots.length === 0) {
    return [
      ruleFinding(
        r,
        'W_UNREACHABLE_RULE',
        `rule "${r.rule.name}" never matches: it applies to ${kinds} and its actions ${actionsText(r.compiled.actions)} apply to none of them (${WHERE_ACTIONS_APPLY})`,
        { path: '.actions' },
      ),
    ]
  }
  const conditions = r.rule.conditions ?? []
  const contradiction = findContradiction(conditions)
  if (contradiction) {
    return [
      ruleFinding(
        r,
        'W_UNREACHABLE_RULE',
        `rule "${r.rule.name}" never matches: ${contradiction.reason}`,
        { path: `.conditions[${contradiction.index}]` },
      ),
    ]
  }
  if (r.live.length === 0 && !listArgumentsOnly(r)) {
    const falseFor = new Map<number, string[]>()
    for (const slot of r.slots) {
      const index = conditions.findIndex((c) => staticTruth(c, slot) === false)
      falseFor.set(index, [...(falseFor.get(index) ?? []), slotText(slot)])
    }
    const reasons = [...falseFor].map(
      ([index, slots]) =>
        `conditions[${index}] (${compileCondition(conditions[index]!).text}) is false for ${slots.join(', ')}`,
    )
    return [
      ruleFinding(
        r,
        'W_UNREACHABLE_RULE',
        `rule "${r.rule.name}" never matches: ${reasons.join('; ')} (a request names one capability, and list requests carry no arguments)`,
        { path: '.conditions' },
      ),
    ]
  }
  return unusedMatchers(r)
}

/** A `tools:`, `resources:` or `prompts:` matcher that none of the rule's actions reaches. */
function unusedMatchers(r: LintRule): LintFinding[] {
  return KINDS.filter(
    (kind) => r.rule[kindKey(kind)] !== undefined && !r.slots.some((slot) => slot.kind === kind),
  ).map((kind) =>
    ruleFinding(
      r,
      'W_UNUSED_MATCHER',
      `the ${kindKey(kind)} matcher of rule "${r.rule.name}" never applies: its actions ${actionsText(r.compiled.actions)} do not reach ${kindKey(kind)} (${WHERE_ACTIONS_APPLY})`,
      { path: `.${kindKey(kind)}` },
    ),
  )
}
