import type { ApprovalRequest } from '../approval-request.js'
import { compileGlobList, type StringMatcher } from '../../policy/glob.js'
import type { ApprovalRule } from './approval-rules-schema.js'

export type ApprovalRuleEffect = 'auto_approve' | 'auto_deny'

/** What a rule decided, and which rule: recorded as `method: rule`, `resolved_by: rule:NAME`. */
export interface ApprovalRuleDecision {
  effect: ApprovalRuleEffect
  rule: string
}

export type RuleSubject = Pick<
  ApprovalRequest,
  'action_type' | 'risk_level' | 'amount' | 'created_by'
>

/** Auto-approve / auto-deny rules; the first matching rule in file order wins. */
export interface ApprovalRules {
  /** The deciding rule, or undefined: the request waits for a human. */
  decide(request: RuleSubject): ApprovalRuleDecision | undefined
  /** The rules in evaluation order. */
  readonly rules: readonly ApprovalRule[]
}

/** No rules: every request waits for a human. */
export const NO_RULES: ApprovalRules = Object.freeze({
  decide: () => undefined,
  rules: Object.freeze([]),
})

/** Compiles validated rules (in evaluation order) into a matcher. */
export function compileApprovalRules(rules: readonly ApprovalRule[]): ApprovalRules {
  const compiled = rules.map((rule) => ({ rule, matches: compileRule(rule) }))
  return Object.freeze({
    rules: Object.freeze([...rules]),
    decide(request: RuleSubject): ApprovalRuleDecision | undefined {
      for (const { rule, matches } of compiled) {
        if (matches(request)) return { effect: rule.effect, rule: rule.name }
      }
      return undefined
    },
  })
}

function compileRule(rule: ApprovalRule): (request: RuleSubject) => boolean {
  const actionTypes = rule.action_types && new Set<string>(rule.action_types)
  const riskLevels = rule.risk_levels && new Set<string>(rule.risk_levels)
  const agents: StringMatcher | undefined = rule.agents && compileGlobList(rule.agents)
  const { min_amount: min, max_amount: max } = rule
  return (request) => {
    if (actionTypes && !actionTypes.has(request.action_type)) return false
    if (riskLevels && !riskLevels.has(request.risk_level)) return false
    if (min !== undefined || max !== undefined) {
      // A request without an amount never matches an amount bound.
      const amount = request.amount
      if (typeof amount !== 'number' || !Number.isFinite(amount)) return false
      if (min !== undefined && amount < min) return false
      if (max !== undefined && amount > max) return false
    }
    if (agents && !agents(request.created_by)) return false
    return true
  }
}
