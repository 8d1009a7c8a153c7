import { isDeepStrictEqual } from 'node:util'
import { ABSENT, parseFieldPath, resolvePath, type FieldPath } from './field-path.js'
import { compileGlob } from './glob.js'
import type { Action, PolicyRequest } from './request.js'
import type { Condition, LeafCondition, Operator } from './schema.js'

/** The request as conditions see it. */
export interface EvalContext {
  action: Action
  request: PolicyRequest
}

export interface CompiledCondition {
  test(ctx: EvalContext): boolean
  /** The condition as written, for explain traces. */
  text: string
  readsArgs: boolean
}

type Scalar = string | number | boolean | null
type Predicate = (field: unknown) => boolean

export function compileCondition(condition: Condition): CompiledCondition {
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition)
    return {
      test: (ctx) => parts.some((p) => p.test(ctx)),
      text: `any(${parts.map((p) => p.text).join(', ')})`,
      readsArgs: parts.some((p) => p.readsArgs),
    }
  }
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition)
    return {
      test: (ctx) => parts.every((p) => p.test(ctx)),
      text: `all(${parts.map((p) => p.text).join(', ')})`,
      readsArgs: parts.some((p) => p.readsArgs),
    }
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not)
    return {
      test: (ctx) => !inner.test(ctx),
      text: `not(${inner.text})`,
      readsArgs: inner.readsArgs,
    }
  }
  return compileLeaf(condition)
}

function compileLeaf(condition: LeafCondition): CompiledCondition {
  const path = parseFieldPath(condition.field)
  const operator = condition.operator
  const operand = condition.value === undefined && operator === 'exists' ? true : condition.value
  const predicate = compilePredicate(operator, operand, condition.flags)
  const read = fieldReader(path)
  const expectAbsent = operator === 'exists' && condition.value === false
  const text = `${condition.field} ${operator}${condition.value === undefined ? '' : ` ${JSON.stringify(condition.value)}`}`
  return {
    text,
    readsArgs: path.readsArgs,
    test(ctx) {
      const field = read(ctx)
      if (field === ABSENT) return expectAbsent
      return predicate(field)
    },
  }
}

function fieldReader(path: FieldPath): (ctx: EvalContext) => unknown {
  const { root, segments } = path
  if (root === 'request') {
    const [first, ...rest] = segments
    if (first === 'action' && rest.length === 0) return (ctx) => ctx.action
    if (first === 'time' && rest.length === 0) {
      return (ctx) => {
        const time = ctx.request.request?.time
        return time === undefined ? new Date().toISOString() : time
      }
    }
    return (ctx) => resolvePath(ctx.request.request, segments)
  }
  return (ctx) => resolvePath(ctx.request[root], segments)
}

function compilePredicate(
  operator: Operator,
  value: unknown,
  flags: string | undefined,
): Predicate {
  switch (operator) {
    case 'equals':
      return equalsTo(value)
    case 'not_equals': {
      const equal = equalsTo(value)
      return (field) => !equal(field)
    }
    case 'in':
      return inList(value as unknown[])
    case 'not_in': {
      const member = inList(value as unknown[])
      return (field) => !member(field)
    }
    case 'contains':
      return (field) => containsValue(field, value) === true
    case 'not_contains':
      return (field) => containsValue(field, value) === false
    case 'starts_with':
      return (field) => typeof field === 'string' && field.startsWith(value as string)
    case 'ends_with':
      return (field) => typeof field === 'string' && field.endsWith(value as string)
    case 'regex': {
      const re = new RegExp(value as string, flags)
      return (field) => typeof field === 'string' && re.test(field)
    }
    case 'glob': {
      const matches = compileGlob(value as string)
      return (field) => typeof field === 'string' && matches(field)
    }
    case 'gt':
      return ordered(value as number | string, (a, b) => a > b)
    case 'gte':
      return ordered(value as number | string, (a, b) => a >= b)
    case 'lt':
      return ordered(value as number | string, (a, b) => a < b)
    case 'lte':
      return ordered(value as number | string, (a, b) => a <= b)
    case 'exists':
      // Absent fields are handled by the caller; a present field exists.
      return () => value !== false
  }
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value)
}

function equalsTo(value: unknown): Predicate {
  if (isScalar(value)) return (field) => field === value
  return (field) => isDeepStrictEqual(field, value)
}

/** Scalar field: a member of the list. List field: shares an element with it. */
function inList(values: readonly unknown[]): Predicate {
  const member = membership(values)
  return (field) => (Array.isArray(field) ? field.some(member) : member(field))
}

function membership(values: readonly unknown[]): Predicate {
  if (values.every(isScalar)) {
    const set = new Set<unknown>(values)
    return (item) => set.has(item)
  }
  return (item) => values.some((v) => isDeepStrictEqual(item, v))
}

/** true/false for a list or string field; null for a type that cannot contain anything. */
function containsValue(field: unknown, value: unknown): boolean | null {
  if (Array.isArray(field)) {
    return isScalar(value)
      ? field.includes(value)
      : field.some((item) => isDeepStrictEqual(item, value))
  }
  if (typeof field === 'string' && typeof value === 'string') return field.includes(value)
  return null
}

function ordered<T extends number | string>(value: T, compare: (a: T, b: T) => boolean): Predicate {
  const kind = typeof value
  return (field) => typeof field === kind && compare(field as T, value)
}
