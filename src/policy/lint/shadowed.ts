import { isDeepStrictEqual } from 'node:util'
import { kindKey, outranks, type Kind } from '../compiled-rule.js'
import type { Condition } from '../schema.js'
import { describeWhere, type LintFinding } from './finding.js'
import { agentsImply, promptsImply, resourcesImply, toolsImply } from './implication.js'
import { hasSlot, related, ruleFinding, ruleName, type LintRule } from './lint-rule.js'
import { fieldsRead } from './static-truth.js'

/**
 * A rule that can never decide: a rule that outranks it matches every request it matches.
 * Reported even when both have the same effect: the outranked rule is then dead code.
 */
export function shadowedRule(r: LintRule, rules: readonly LintRule[]): LintFinding[] {
  if (r.live.length === 0) return []
  let winner: LintRule | undefined
  for (const other of rules) {
    if (other === r || !outranks(other.compiled, r.compiled)) continue
    if (winner && !outranks(other.compiled, winner.compiled)) continue
    if (covers(other, r)) winner = other
  }
  if (!winner) return []
  const consequence =
    winner.rule.effect === r.rule.effect
      ? `it is dead code (both rules ${r.rule.effect})`
      : `its ${r.rule.effect} never takes effect, those requests are decided ${winner.rule.effect}`
  return [
    ruleFinding(
      r,
      'W_SHADOWED_RULE',
      `rule "${r.rule.name}" can never decide: every request it matches is also matched by ${ruleName(winner, r)} (${describeWhere(related(winner))}), which ${rankReason(winner, r)}; ${consequence}`,
      { related: related(winner) },
    ),
  ]
}

/** True when `outer` matches every request `inner` can match (sound, not complete). */
export function covers(outer: LintRule, inner: LintRule): boolean {
  if (!inner.live.every((slot) => hasSlot(outer.slots, slot))) return false
  if (!conditionsImplied(outer.rule.conditions ?? [], inner.rule.conditions ?? [])) return false
  if (!agentsImply(outer.rule.agents, inner.rule.agents)) return false
  const kinds = new Set<Kind>(inner.live.map((slot) => slot.kind))
  return [...kinds].every((kind) => capabilityImplied(kind, outer, inner))
}

function capabilityImplied(kind: Kind, outer: LintRule, inner: LintRule): boolean {
  const key = kindKey(kind)
  if (key === 'tools') return toolsImply(outer.rule.tools, inner.rule.tools)
  if (key === 'resources') return resourcesImply(outer.rule.resources, inner.rule.resources)
  return promptsImply(outer.rule.prompts, inner.rule.prompts)
}

/** Every condition of `outer` is also one of `inner`'s (AND lists), request.time aside. */
function conditionsImplied(outer: readonly Condition[], inner: readonly Condition[]): boolean {
  return outer.every(
    (condition) =>
      // request.time is read anew by each condition, so equal conditions may still differ.
      !fieldsRead(condition).includes('request.time') &&
      inner.some((candidate) => isDeepStrictEqual(candidate, condition)),
  )
}

function rankReason(winner: LintRule, loser: LintRule): string {
  const w = winner.compiled
  const l = loser.compiled
  if (w.priority !== l.priority) return `outranks it (priority ${w.priority} > ${l.priority})`
  if (w.effectRank !== l.effectRank) {
    return `outranks it (same priority ${w.priority}, and ${w.effect} beats ${l.effect})`
  }
  return `comes first in load order with the same priority (${w.priority}) and effect`
}
