import type { Condition, LeafCondition, Operator } from '../schema.js'

/** `{ field, operator, value, flags }` with the keys the caller left out absent, as in YAML. */
export function leaf(
  field: string,
  operator: Operator,
  value?: unknown,
  flags?: string,
): LeafCondition {
  const condition: LeafCondition = { field, operator }
  if (value !== undefined) condition.value = value
  if (flags !== undefined) condition.flags = flags
  return condition
}

/** True when any of the conditions is (YAML `any:`). */
export function any(...conditions: Condition[]): Condition {
  return { any: conditions }
}

/** True when every condition is (YAML `all:`). */
export function all(...conditions: Condition[]): Condition {
  return { all: conditions }
}

/** The negation of one condition or group (YAML `not:`). */
export function not(condition: Condition): Condition {
  return { not: condition }
}

/** Starts a leaf condition on a dotted field path: `field('tool.args.amount').gt(100)`. */
export function field(path: string): FieldConditionBuilder {
  return new FieldConditionBuilder(path)
}

/** Each method returns a plain LeafCondition; the builder itself holds only the field path. */
export class FieldConditionBuilder {
  readonly #path: string

  constructor(path: string) {
    this.#path = path
  }

  equals(value: unknown): LeafCondition {
    return leaf(this.#path, 'equals', value)
  }

  notEquals(value: unknown): LeafCondition {
    return leaf(this.#path, 'not_equals', value)
  }

  in(values: readonly unknown[]): LeafCondition {
    return leaf(this.#path, 'in', values)
  }

  notIn(values: readonly unknown[]): LeafCondition {
    return leaf(this.#path, 'not_in', values)
  }

  contains(value: unknown): LeafCondition {
    return leaf(this.#path, 'contains', value)
  }

  notContains(value: unknown): LeafCondition {
    return leaf(this.#path, 'not_contains', value)
  }

  startsWith(prefix: string): LeafCondition {
    return leaf(this.#path, 'starts_with', prefix)
  }

  endsWith(suffix: string): LeafCondition {
    return leaf(this.#path, 'ends_with', suffix)
  }

  /** Unanchored JavaScript RegExp search; anchor with ^…$ yourself. */
  matches(pattern: string, flags?: string): LeafCondition {
    return leaf(this.#path, 'regex', pattern, flags)
  }

  glob(pattern: string): LeafCondition {
    return leaf(this.#path, 'glob', pattern)
  }

  gt(value: number | string): LeafCondition {
    return leaf(this.#path, 'gt', value)
  }

  gte(value: number | string): LeafCondition {
    return leaf(this.#path, 'gte', value)
  }

  lt(value: number | string): LeafCondition {
    return leaf(this.#path, 'lt', value)
  }

  lte(value: number | string): LeafCondition {
    return leaf(this.#path, 'lte', value)
  }

  /** `exists()` is YAML's `operator: exists` without a value; `exists(false)` holds when absent. */
  exists(expected?: boolean): LeafCondition {
    return leaf(this.#path, 'exists', expected)
  }
}
