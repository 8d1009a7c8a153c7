import type { Kind } from '../compiled-rule.js'
import { compileCondition } from '../conditions.js'
import { parseFieldPath } from '../field-path.js'
import type { Action } from '../request.js'
import type { Condition, LeafCondition } from '../schema.js'

/** One (action, capability kind) pair a rule can be asked about, e.g. call on a tool. */
export interface Slot {
  action: Action
  kind: Kind
}

/** true / false when a condition's value follows from the slot alone; undefined when it depends on the request. */
export type Truth = boolean | undefined

const KIND_ROOTS: ReadonlySet<string> = new Set(['tool', 'resource', 'prompt'])

/**
 * What a condition evaluates to on every request of the slot, as far as the slot decides it:
 * a condition reading arguments is false on list, another kind's fields are absent, request.action
 * is known.
 * `argsOnly` looks at the argument rule alone.
 */
export function staticTruth(condition: Condition, slot: Slot, argsOnly = false): Truth {
  // As in the engine: a condition reading arguments anywhere inside it is false on list.
  if (slot.action === 'list' && readsArguments(condition)) return false
  if ('any' in condition) {
    const parts = condition.any.map((c) => staticTruth(c, slot, argsOnly))
    if (parts.includes(true)) return true
    return parts.every((p) => p === false) ? false : undefined
  }
  if ('all' in condition) return conjunctionTruth(condition.all, slot, argsOnly)
  if ('not' in condition) {
    const inner = staticTruth(condition.not, slot, argsOnly)
    return inner === undefined ? undefined : !inner
  }
  return leafTruth(condition, slot, argsOnly)
}

/** The AND of a condition list: false when one part is false, true when all are true. */
export function conjunctionTruth(
  conditions: readonly Condition[],
  slot: Slot,
  argsOnly = false,
): Truth {
  const parts = conditions.map((c) => staticTruth(c, slot, argsOnly))
  if (parts.includes(false)) return false
  return parts.every((p) => p === true) ? true : undefined
}

function leafTruth(leaf: LeafCondition, slot: Slot, argsOnly: boolean): Truth {
  const path = parseFieldPath(leaf.field)
  if (argsOnly) return undefined
  if (KIND_ROOTS.has(path.root) && path.root !== slot.kind) {
    // The request names one capability, so another kind's fields are absent.
    return leaf.operator === 'exists' && leaf.value === false
  }
  if (path.root === 'request' && path.segments.length === 1 && path.segments[0] === 'action') {
    const ctx = { action: slot.action, request: { action: slot.action, user: {} } }
    return compileCondition(leaf).test(ctx)
  }
  return undefined
}

/** Every field path a condition (or group) reads. */
export function fieldsRead(condition: Condition): string[] {
  if ('any' in condition) return condition.any.flatMap(fieldsRead)
  if ('all' in condition) return condition.all.flatMap(fieldsRead)
  if ('not' in condition) return fieldsRead(condition.not)
  return [condition.field]
}

export function readsArguments(condition: Condition): boolean {
  return fieldsRead(condition).some((field) => parseFieldPath(field).readsArgs)
}
