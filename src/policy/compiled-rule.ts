import { compileCondition, type CompiledCondition, type EvalContext } from './conditions.js'
import {
  compileAgentMatcher,
  compilePromptMatcher,
  compileResourceMatcher,
  compileToolMatcher,
  type Match,
} from './matchers.js'
import type { Action, Effect, Principal, RuleOutcome } from './request.js'
import type { ApprovalSpec, Rule } from './schema.js'

export type Kind = 'tool' | 'resource' | 'prompt'
export const KINDS: readonly Kind[] = ['tool', 'resource', 'prompt']
export const ACTION_LIST: readonly Action[] = ['list', 'call', 'read', 'get']

const EFFECT_RANK: Record<Effect, number> = { allow: 0, escalate: 1, deny: 2 }

/** A rule with its matchers built once; immutable. */
export interface CompiledRule {
  readonly policy: string
  readonly name: string
  readonly effect: Effect
  readonly effectRank: number
  readonly priority: number
  /** Position in load order (files sorted, rules in file order): breaks ties. */
  readonly order: number
  readonly actions: ReadonlySet<Action>
  readonly kinds: ReadonlySet<Kind>
  readonly roles: readonly string[] | null
  /** Exact names per kind (tool names, resource URIs, prompt names), for the index. */
  readonly exactNames: Readonly<Partial<Record<Kind, readonly string[]>>>
  readonly readsArgs: boolean
  readonly source: Rule
  readonly approval?: ApprovalSpec
  /**
   * Agent, capability and conditions; the action and kind are the index's business. `roleMatched`
   * says the index found the rule under one of the caller's roles, which settles a roles-only agent matcher.
   */
  evaluate(ctx: EvalContext, kind: Kind, roleMatched?: boolean): RuleOutcome
  /** For traces: the first condition that was false, as written. */
  firstFalseCondition(ctx: EvalContext): string | undefined
}

export function compileRule(rule: Rule, policy: string, order: number): CompiledRule {
  const actions = new Set<Action>(
    rule.actions === undefined || rule.actions.includes('*')
      ? ACTION_LIST
      : (rule.actions as Action[]),
  )
  const named = KINDS.filter((kind) => rule[kindKey(kind)] !== undefined)
  const kinds = new Set<Kind>(named.length > 0 ? named : KINDS)
  const agent: Match<Principal> | null = rule.agents ? compileAgentMatcher(rule.agents) : null
  const capability: Partial<Record<Kind, Match<never>>> = {
    tool: rule.tools ? (compileToolMatcher(rule.tools) as Match<never>) : undefined,
    resource: rule.resources ? (compileResourceMatcher(rule.resources) as Match<never>) : undefined,
    prompt: rule.prompts ? (compilePromptMatcher(rule.prompts) as Match<never>) : undefined,
  }
  const conditions: CompiledCondition[] = (rule.conditions ?? []).map(compileCondition)
  const roles = rule.agents?.roles && !rule.agents.roles.includes('*') ? rule.agents.roles : null
  const rolesOnly = roles !== null && Object.keys(rule.agents!).length === 1

  return Object.freeze({
    policy,
    name: rule.name,
    effect: rule.effect,
    effectRank: EFFECT_RANK[rule.effect],
    priority: rule.priority,
    order,
    actions,
    kinds,
    roles,
    exactNames: {
      tool: rule.tools?.names,
      resource: rule.resources?.uris,
      prompt: rule.prompts?.names,
    },
    readsArgs: conditions.some((c) => c.readsArgs),
    source: rule,
    approval: rule.effect === 'escalate' ? (rule.approval ?? {}) : undefined,
    evaluate(ctx: EvalContext, kind: Kind, roleMatched = false): RuleOutcome {
      if (agent && !(roleMatched && rolesOnly) && !agent(ctx.request.user)) return 'agent_mismatch'
      const matches = capability[kind]
      if (matches && !matches(ctx.request[kind] as never)) return 'capability_mismatch'
      for (const condition of conditions) if (!holds(condition, ctx)) return 'condition_false'
      return 'matched'
    },
    firstFalseCondition(ctx: EvalContext): string | undefined {
      return conditions.find((c) => !holds(c, ctx))?.text
    },
  })
}

/**
 * List actions carry no arguments: a condition that reads them (even inside `not:` or `any:`) is
 * false there, so argument-guarded rules never decide what a list shows.
 */
function holds(condition: CompiledCondition, ctx: EvalContext): boolean {
  return !(condition.readsArgs && ctx.action === 'list') && condition.test(ctx)
}

export function kindKey(kind: Kind): 'tools' | 'resources' | 'prompts' {
  return kind === 'tool' ? 'tools' : kind === 'resource' ? 'resources' : 'prompts'
}

/** True when `a` decides over `b`: higher priority, then the stronger effect, then load order. */
export function outranks(a: CompiledRule, b: CompiledRule): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.effectRank !== b.effectRank) return a.effectRank > b.effectRank
  return a.order < b.order
}
