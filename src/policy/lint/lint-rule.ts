import { compileRule, KINDS, kindKey, type CompiledRule } from '../compiled-rule.js'
import type { Action } from '../request.js'
import { kindOfAction } from '../rule-index.js'
import type { Policy, Rule } from '../schema.js'
import { findContradiction } from './contradictions.js'
import type { LintCode, LintFinding, RelatedRule } from './finding.js'
import { conjunctionTruth, type Slot } from './static-truth.js'

/** A loaded rule as the lints see it: where it sits, what it applies to, where it can match. */
export interface LintRule {
  policy: Policy
  policyIndex: number
  /** Position within its policy's rules. */
  index: number
  rule: Rule
  compiled: CompiledRule
  /** The file it came from; a policy without a source file counts as a file of its own. */
  origin: string
  /** Every (action, kind) the rule applies to. */
  slots: Slot[]
  /** The slots where its conditions are not false on every request. */
  live: Slot[]
}

export function lintRules(policies: readonly Policy[]): LintRule[] {
  const rules: LintRule[] = []
  policies.forEach((policy, policyIndex) => {
    policy.rules.forEach((rule, index) => {
      const compiled = compileRule(rule, policy.name, rules.length)
      const slots = slotsOf(compiled)
      const conditions = rule.conditions ?? []
      const live = findContradiction(conditions)
        ? []
        : slots.filter((slot) => conjunctionTruth(conditions, slot) !== false)
      const origin = policy.source?.file ?? `#${policyIndex}`
      rules.push({ policy, policyIndex, index, rule, compiled, origin, slots, live })
    })
  })
  return rules
}

function slotsOf(rule: CompiledRule): Slot[] {
  const slots: Slot[] = []
  for (const action of rule.actions) {
    for (const kind of KINDS) {
      if (rule.kinds.has(kind) && (action === 'list' || kindOfAction(action) === kind)) {
        slots.push({ action, kind })
      }
    }
  }
  return slots
}

export function hasSlot(slots: readonly Slot[], slot: Slot): boolean {
  return slots.some((s) => s.action === slot.action && s.kind === slot.kind)
}

export function slotText(slot: Slot): string {
  return `${slot.action} on ${kindKey(slot.kind)}`
}

export function actionsText(actions: Iterable<Action>): string {
  return `[${[...actions].join(', ')}]`
}

export function related(r: LintRule): RelatedRule {
  return {
    file: r.policy.source?.file,
    line: r.policy.source?.ruleLines[r.index],
    policy: r.policy.name,
    rule: r.rule.name,
  }
}

/** `rule "x"` in the same policy, `rule "x" of policy "p"` otherwise. */
export function ruleName(r: LintRule, from?: LintRule): string {
  return from && from.policy === r.policy
    ? `rule "${r.rule.name}"`
    : `rule "${r.rule.name}" of policy "${r.policy.name}"`
}

export function ruleFinding(
  r: LintRule,
  code: LintCode,
  message: string,
  options: { path?: string; related?: RelatedRule } = {},
): LintFinding {
  return {
    code,
    severity: 'warning',
    file: r.policy.source?.file,
    line: r.policy.source?.ruleLines[r.index],
    path: `rules[${r.index}]${options.path ?? ''}`,
    policy: r.policy.name,
    rule: r.rule.name,
    message,
    ...(options.related ? { related: options.related } : {}),
  }
}
