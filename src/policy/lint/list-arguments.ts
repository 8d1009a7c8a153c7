import { findContradiction } from './contradictions.js'
import type { LintFinding } from './finding.js'
import { actionsText, ruleFinding, type LintRule } from './lint-rule.js'
import { conjunctionTruth, readsArguments } from './static-truth.js'

const USE_ACTION = { tool: 'call', resource: 'read', prompt: 'get' } as const

/**
 * List requests carry no arguments, so a condition that reads them is false there (even under
 * `not:`). Warns where that silently changes what a rule does to list requests.
 */
export function listArgumentConditions(r: LintRule): LintFinding[] {
  const conditions = r.rule.conditions ?? []
  if (!conditions.some(readsArguments) || findContradiction(conditions)) return []
  const listSlots = r.slots.filter((slot) => slot.action === 'list')
  if (listSlots.length === 0) return []
  const useActions = actionsText([...r.compiled.kinds].map((kind) => USE_ACTION[kind]))

  if (listSlots.every((slot) => conjunctionTruth(conditions, slot, true) === false)) {
    if (listArgumentsOnly(r)) {
      return [
        ruleFinding(
          r,
          'W_LIST_ARGUMENT_CONDITION',
          `rule "${r.rule.name}" never matches: it applies only to list, and its conditions read arguments, which list requests do not have (an argument condition is false there); use actions: ${useActions}, or drop the argument condition`,
          { path: '.conditions' },
        ),
      ]
    }
    // Allow rules only: a deny or escalate guarded by arguments is meant for calls alone.
    if (r.rule.effect !== 'allow' || r.live.length === 0) return []
    return [
      ruleFinding(
        r,
        'W_ARGUMENT_CONDITION_ON_LIST',
        `rule "${r.rule.name}" allows calls when its argument conditions hold, but never list: list requests carry no arguments, so what it allows stays hidden from list unless another rule allows listing it; use actions: ${useActions} here and a rule with actions: [list] for visibility`,
        { path: '.conditions' },
      ),
    ]
  }

  return []
}

/** Every slot is a list, and the argument conditions alone make it false there. */
export function listArgumentsOnly(r: LintRule): boolean {
  const conditions = r.rule.conditions ?? []
  return (
    r.slots.length > 0 &&
    r.slots.every(
      (slot) => slot.action === 'list' && conjunctionTruth(conditions, slot, true) === false,
    )
  )
}
