import { PolicyLoadError, WardenError } from '../../errors.js'
import { policySchema, type Policy } from '../schema.js'
import { toSourceIssues } from '../source-issues.js'
import { copyData } from './copy-data.js'
import { RuleBuilder, type RuleInput } from './rule-builder.js'

/**
 * Starts a policy: `policy('svc').denyByDefault().rule(rule('admins')…allow()).build()`.
 * `build()` validates with the loader's schema, so the result equals what `parsePolicy` returns
 * for the same YAML (without `source`).
 */
export function policy(name: string): PolicyBuilder {
  return new PolicyBuilder(name)
}

/** Fluent policy builder; every single-valued field can be set once, rules accumulate. */
export class PolicyBuilder {
  readonly #name: string
  #description?: string
  #version?: string | number
  #defaultEffect?: 'allow' | 'deny'
  #tags?: string[]
  #createdBy?: string
  readonly #rules: RuleInput[] = []

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

  /** "1" when not set; a number is kept as its string, as in YAML. */
  version(value: string | number): this {
    this.#once('version', this.#version)
    this.#version = value
    return this
  }

  /** No matching rule means deny (the default). */
  denyByDefault(): this {
    return this.#defaultTo('deny')
  }

  /** No matching rule means allow, but only when every loaded policy says so. */
  allowByDefault(): this {
    return this.#defaultTo('allow')
  }

  tags(...tags: string[]): this {
    this.#once('tags', this.#tags)
    this.#tags = tags
    return this
  }

  createdBy(who: string): this {
    this.#once('created_by', this.#createdBy)
    this.#createdBy = who
    return this
  }

  /** Appends rules in order: a RuleBuilder (its state as of now) or a plain rule object. */
  rule(...rules: (RuleBuilder | RuleInput)[]): this {
    for (const item of rules) {
      this.#rules.push(item instanceof RuleBuilder ? item.toInput() : copyData(item))
    }
    return this
  }

  addRule(...rules: (RuleBuilder | RuleInput)[]): this {
    return this.rule(...rules)
  }

  /** The validated policy; throws PolicyLoadError (ERR_POLICY_INVALID) naming each bad path. */
  build(): Policy {
    const result = policySchema.safeParse(this.#document())
    if (!result.success) {
      throw new PolicyLoadError(
        toSourceIssues(result.error.issues, `<builder policy ${this.#name}>`),
      )
    }
    return result.data
  }

  #document(): Record<string, unknown> {
    const document: Record<string, unknown> = { name: this.#name }
    if (this.#description !== undefined) document.description = this.#description
    if (this.#version !== undefined) document.version = this.#version
    if (this.#defaultEffect !== undefined) document.default_effect = this.#defaultEffect
    if (this.#tags !== undefined) document.tags = this.#tags
    if (this.#createdBy !== undefined) document.created_by = this.#createdBy
    document.rules = this.#rules
    // A fresh copy per build, so two built policies never share objects.
    return copyData(document)
  }

  #defaultTo(effect: 'allow' | 'deny'): this {
    this.#once('default_effect', this.#defaultEffect)
    this.#defaultEffect = effect
    return this
  }

  #once(label: string, current: unknown): void {
    if (current !== undefined) {
      throw new WardenError(
        'ERR_BUILDER_FIELD_SET_TWICE',
        `policy "${this.#name}": ${label} is already set`,
      )
    }
  }
}
