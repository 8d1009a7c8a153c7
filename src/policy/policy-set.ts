import { outranks, type CompiledRule, type Kind } from './compiled-rule.js'
import type { EvalContext } from './conditions.js'
import type { Decision, Explanation, PolicyRequest, RuleTrace } from './request.js'
import { kindOfAction, type RuleIndex } from './rule-index.js'
import type { Policy } from './schema.js'

const ACTIONS = new Set(['list', 'call', 'read', 'get'])

/**
 * An immutable, compiled set of policies. `decide` never throws: a request it cannot read is
 * denied with the reason.
 */
export class PolicySet {
  readonly policies: readonly Policy[]
  readonly rules: readonly CompiledRule[]
  /** Digest of the policies' content: approvals are bound to it. */
  readonly version: string
  /** Methods the bridge does not know that some policy lets through (`allow_methods`). */
  readonly allowedMethods: ReadonlySet<string>
  readonly #index: RuleIndex
  readonly #decisions: readonly Decision[]
  readonly #noMatch: Decision

  constructor(
    policies: readonly Policy[],
    rules: readonly CompiledRule[],
    index: RuleIndex,
    version: string,
  ) {
    this.policies = Object.freeze([...policies])
    this.rules = Object.freeze([...rules])
    this.version = version
    this.allowedMethods = new Set(policies.flatMap((p) => p.allow_methods ?? []))
    this.#index = index
    this.#decisions = rules.map(decisionFor)
    const allowByDefault =
      policies.length > 0 && policies.every((p) => p.default_effect === 'allow')
    this.#noMatch = Object.freeze({
      effect: allowByDefault ? 'allow' : 'deny',
      rule: null,
      policy: null,
      reason: allowByDefault
        ? 'no rule matched; every policy defaults to allow'
        : 'no rule matched; default deny',
    })
    Object.freeze(this)
  }

  decide(request: PolicyRequest): Decision {
    try {
      const target = targetKind(request)
      if (target.error !== undefined) return refused(target.error)
      const bucket = this.#index[request.action][target.kind]!
      const ctx: EvalContext = { action: request.action, request }
      let best = scan(bucket.rest, ctx, target.kind, null)
      const named = bucket.byName.get(target.key)
      if (named) best = scan(named, ctx, target.kind, best)
      const roles = request.user.roles
      if (Array.isArray(roles)) {
        for (const role of roles) {
          const list = bucket.byRole.get(role)
          if (list) best = scan(list, ctx, target.kind, best, true)
        }
      }
      return best ? this.#decisions[best.order]! : this.#noMatch
    } catch (error) {
      return refused(`the request could not be evaluated (${(error as Error).message})`)
    }
  }

  /** The decision plus every rule's outcome, in load order. Reads all rules: for humans, not hot paths. */
  explain(request: PolicyRequest): Explanation {
    try {
      const target = targetKind(request)
      if (target.error !== undefined) return { ...refused(target.error), trace: [] }
      const ctx: EvalContext = { action: request.action, request }
      let best: CompiledRule | null = null
      const trace: RuleTrace[] = []
      for (const rule of this.rules) {
        const outcome = !rule.actions.has(request.action)
          ? 'action_mismatch'
          : !rule.kinds.has(target.kind)
            ? 'kind_mismatch'
            : rule.evaluate(ctx, target.kind)
        const entry: RuleTrace = {
          policy: rule.policy,
          rule: rule.name,
          priority: rule.priority,
          effect: rule.effect,
          outcome,
          decisive: false,
        }
        if (outcome === 'condition_false') entry.detail = rule.firstFalseCondition(ctx)
        if (outcome === 'matched' && (!best || outranks(rule, best))) best = rule
        trace.push(entry)
      }
      const decided = best as CompiledRule | null
      if (decided) trace[decided.order]!.decisive = true
      return { ...(decided ? this.#decisions[decided.order]! : this.#noMatch), trace }
    } catch (error) {
      return {
        ...refused(`the request could not be evaluated (${(error as Error).message})`),
        trace: [],
      }
    }
  }
}

function scan(
  rules: readonly CompiledRule[],
  ctx: EvalContext,
  kind: Kind,
  best: CompiledRule | null,
  roleMatched = false,
): CompiledRule | null {
  for (const rule of rules) {
    // Sorted best-first: once a rule cannot outrank the best so far, none after it can.
    if (best && !outranks(rule, best)) return best
    if (rule.evaluate(ctx, kind, roleMatched) === 'matched') return rule
  }
  return best
}

type Target = { kind: Kind; key: string; error?: undefined } | { error: string; kind?: undefined }

function targetKind(request: PolicyRequest): Target {
  if (request === null || typeof request !== 'object')
    return { error: 'the request is not an object' }
  const action = request.action
  if (!ACTIONS.has(action)) return { error: `unknown action ${JSON.stringify(action)}` }
  if (request.user === null || typeof request.user !== 'object') {
    return { error: 'the request has no user (an anonymous caller is { roles: [] })' }
  }
  const { tool, resource, prompt } = request
  const count =
    (tool !== undefined ? 1 : 0) + (resource !== undefined ? 1 : 0) + (prompt !== undefined ? 1 : 0)
  if (count !== 1) return { error: 'the request must name exactly one tool, resource or prompt' }
  const kind: Kind = tool !== undefined ? 'tool' : resource !== undefined ? 'resource' : 'prompt'
  const expected = kindOfAction(action)
  if (expected && expected !== kind)
    return { error: `action ${action} applies to a ${expected}, not a ${kind}` }
  const key = kind === 'tool' ? tool?.name : kind === 'resource' ? resource?.uri : prompt?.name
  if (typeof key !== 'string')
    return { error: `the ${kind} has no ${kind === 'resource' ? 'uri' : 'name'}` }
  return { kind, key }
}

function refused(reason: string): Decision {
  return { effect: 'deny', rule: null, policy: null, reason }
}

function decisionFor(rule: CompiledRule): Decision {
  const decision: Decision = {
    effect: rule.effect,
    rule: rule.name,
    policy: rule.policy,
    reason: `rule "${rule.name}" of policy "${rule.policy}" (priority ${rule.priority}) decided ${rule.effect}`,
  }
  if (rule.approval) decision.approval = rule.approval
  return Object.freeze(decision)
}
