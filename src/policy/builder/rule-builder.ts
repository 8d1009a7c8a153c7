import type { z } from 'zod'
import { WardenError } from '../../errors.js'
import type { Effect } from '../request.js'
import type {
  ACTIONS,
  approvalSpecSchema,
  Condition,
  Operator,
  ruleSchema,
  ToolMatcher,
} from '../schema.js'
import { leaf } from './condition.js'
import { copyData } from './copy-data.js'

/** A rule as written, before validation and defaults: what a YAML rule item holds. */
export type RuleInput = z.input<typeof ruleSchema>
export type ApprovalInput = z.input<typeof approvalSpecSchema>
export type RuleAction = (typeof ACTIONS)[number]

type Matcher = Record<string, unknown>
type MatcherKey = 'agents' | 'tools' | 'resources' | 'prompts'

/** Starts a rule: `rule('admins').forRoles('admin').forToolPatterns('*').allow()`. */
export function rule(name: string): RuleBuilder {
  return new RuleBuilder(name)
}

/**
 * Fluent rule builder. Every single-valued field can be set once (a second call throws
 * ERR_BUILDER_FIELD_SET_TWICE); conditions accumulate. Validation happens in `policy().build()`.
 */
export class RuleBuilder {
  readonly #name: string
  #description?: string
  #priority?: number
  #effect?: Effect
  #approval?: ApprovalInput
  #actions?: RuleAction[]
  readonly #matchers: Partial<Record<MatcherKey, Matcher>> = {}
  /** Kinds opened with forAnyTool / forAnyResource / forAnyPrompt: no constraint may follow. */
  readonly #anyOf = new Set<MatcherKey>()
  readonly #conditions: Condition[] = []

  constructor(name: string) {
    this.#name = name
  }

  describedAs(text: string): this {
    this.#once('description', this.#description)
    this.#description = text
    return this
  }

  withDescription(text: string): this {
    return this.describedAs(text)
  }

  /** Higher decides first; 100 when not set. */
  priority(value: number): this {
    this.#once('priority', this.#priority)
    this.#priority = value
    return this
  }

  withPriority(value: number): this {
    return this.priority(value)
  }

  /** user_id globs (exact when they hold no glob characters). */
  forUsers(...userIds: string[]): this {
    return this.#set('agents', 'user_id', userIds)
  }

  /** agent_id globs. */
  forAgents(...agentIds: string[]): this {
    return this.#set('agents', 'agent_id', agentIds)
  }

  /** Matches an identity holding any of the roles; `'*'` matches one holding at least one role. */
  forRoles(...roles: string[]): this {
    return this.#set('agents', 'roles', roles)
  }

  /** Globs matched against the user_id or the agent_id. */
  forAgentPatterns(...globs: string[]): this {
    return this.#set('agents', 'patterns', globs)
  }

  forTools(...names: string[]): this {
    return this.#set('tools', 'names', names)
  }

  forToolPatterns(...globs: string[]): this {
    return this.#set('tools', 'patterns', globs)
  }

  forNamespaces(...namespaces: string[]): this {
    return this.#set('tools', 'namespaces', namespaces)
  }

  forToolTags(...tags: string[]): this {
    return this.#set('tools', 'tags', tags)
  }

  /** Every listed annotation must equal the server's value, e.g. `{ readOnlyHint: true }`. */
  withAnnotations(annotations: NonNullable<ToolMatcher['annotations']>): this {
    return this.#set('tools', 'annotations', copyData(annotations))
  }

  /** Restricts the rule to tools without constraining which (YAML `tools: {}`). */
  forAnyTool(): this {
    return this.#any('tools')
  }

  /** Exact resource URIs. */
  forResources(...uris: string[]): this {
    return this.#set('resources', 'uris', uris)
  }

  forResourcePatterns(...globs: string[]): this {
    return this.#set('resources', 'patterns', globs)
  }

  /** URI schemes such as `file` or `https`. */
  forSchemes(...schemes: string[]): this {
    return this.#set('resources', 'schemes', schemes)
  }

  /** Restricts the rule to resources without constraining which (YAML `resources: {}`). */
  forAnyResource(): this {
    return this.#any('resources')
  }

  forPrompts(...names: string[]): this {
    return this.#set('prompts', 'names', names)
  }

  forPromptPatterns(...globs: string[]): this {
    return this.#set('prompts', 'patterns', globs)
  }

  forPromptTags(...tags: string[]): this {
    return this.#set('prompts', 'tags', tags)
  }

  /** Restricts the rule to prompts without constraining which (YAML `prompts: {}`). */
  forAnyPrompt(): this {
    return this.#any('prompts')
  }

  /** The actions the rule covers (list, call, read, get or '*'); all of them when not set. */
  on(...actions: RuleAction[]): this {
    this.#once('actions', this.#actions)
    this.#actions = actions
    return this
  }

  forActions(...actions: RuleAction[]): this {
    return this.on(...actions)
  }

  /** Adds a condition (all of a rule's conditions must hold): an object or field, operator, value. */
  when(condition: Condition): this
  when(field: string, operator: Operator, value?: unknown, flags?: string): this
  when(
    conditionOrField: Condition | string,
    operator?: Operator,
    value?: unknown,
    flags?: string,
  ): this {
    const condition =
      typeof conditionOrField === 'string'
        ? leaf(conditionOrField, operator as Operator, value, flags)
        : conditionOrField
    this.#conditions.push(copyData(condition))
    return this
  }

  whenEquals(field: string, value: unknown): this {
    return this.when(field, 'equals', value)
  }

  whenIn(field: string, values: readonly unknown[]): this {
    return this.when(field, 'in', values)
  }

  whenContains(field: string, value: unknown): this {
    return this.when(field, 'contains', value)
  }

  whenMatches(field: string, pattern: string, flags?: string): this {
    return this.when(field, 'regex', pattern, flags)
  }

  whenGreaterThan(field: string, value: number | string): this {
    return this.when(field, 'gt', value)
  }

  whenLessThan(field: string, value: number | string): this {
    return this.when(field, 'lt', value)
  }

  allow(): this {
    return this.#decide('allow')
  }

  deny(): this {
    return this.#decide('deny')
  }

  /** Asks a human; the approval block says how (action type, risk, amount, timeout, …). */
  escalate(approval?: ApprovalInput): this {
    this.#decide('escalate')
    if (approval !== undefined) this.#approval = copyData(approval)
    return this
  }

  /** The rule as a YAML rule item would hold it: only the keys that were set, copied. */
  toInput(): RuleInput {
    const input: Record<string, unknown> = { name: this.#name }
    if (this.#description !== undefined) input.description = this.#description
    if (this.#effect !== undefined) input.effect = this.#effect
    if (this.#priority !== undefined) input.priority = this.#priority
    for (const key of ['agents', 'tools', 'resources', 'prompts'] as const) {
      const matcher = this.#matchers[key]
      if (matcher !== undefined) input[key] = matcher
    }
    if (this.#actions !== undefined) input.actions = this.#actions
    if (this.#conditions.length > 0) input.conditions = this.#conditions
    if (this.#approval !== undefined) input.approval = this.#approval
    return copyData(input) as RuleInput
  }

  #decide(effect: Effect): this {
    this.#once('effect', this.#effect)
    this.#effect = effect
    return this
  }

  #set(kind: MatcherKey, key: string, value: unknown): this {
    if (this.#anyOf.has(kind)) throw this.#twice(`${kind} (as any)`)
    const matcher = (this.#matchers[kind] ??= {})
    this.#once(`${kind}.${key}`, matcher[key])
    matcher[key] = value
    return this
  }

  #any(kind: MatcherKey): this {
    this.#once(kind, this.#matchers[kind])
    this.#matchers[kind] = {}
    this.#anyOf.add(kind)
    return this
  }

  #once(label: string, current: unknown): void {
    if (current !== undefined) throw this.#twice(label)
  }

  #twice(label: string): WardenError {
    return new WardenError(
      'ERR_BUILDER_FIELD_SET_TWICE',
      `rule "${this.#name}": ${label} is already set`,
    )
  }
}
