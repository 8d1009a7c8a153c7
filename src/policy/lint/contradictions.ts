import { compileCondition, type EvalContext } from '../conditions.js'
import { parseFieldPath } from '../field-path.js'
import type { Action, PolicyRequest } from '../request.js'
import type { Condition, LeafCondition } from '../schema.js'

/** Two conditions of one AND list that cannot both hold; `index` is the later one's top-level position. */
export interface Contradiction {
  index: number
  reason: string
}

interface PlacedLeaf {
  leaf: LeafCondition
  /** Position of the top-level condition the leaf belongs to. */
  index: number
}

const ORDERING = new Set(['gt', 'gte', 'lt', 'lte'])

/**
 * A pair of AND'ed conditions on one field that no value satisfies together, or null.
 * Sound rather than complete: it looks only at top-level leaves (and `all` groups), never
 * inside `any` or `not`, and skips request.time (read anew by each condition).
 */
export function findContradiction(conditions: readonly Condition[]): Contradiction | null {
  const byField = new Map<string, PlacedLeaf[]>()
  conditions.forEach((condition, index) => {
    for (const leaf of andLeaves(condition)) {
      const path = parseFieldPath(leaf.field)
      const key = [path.root, ...path.segments].join('.')
      if (key === 'request.time') continue
      const list = byField.get(key) ?? []
      list.push({ leaf, index })
      byField.set(key, list)
    }
  })
  for (const leaves of byField.values()) {
    const found = absentAndTested(leaves) ?? equalsAndOther(leaves) ?? emptyRange(leaves)
    if (found) return found
  }
  return null
}

function andLeaves(condition: Condition): LeafCondition[] {
  if ('all' in condition) return condition.all.flatMap(andLeaves)
  if ('any' in condition || 'not' in condition) return []
  return [condition]
}

function text(leaf: LeafCondition): string {
  return compileCondition(leaf).text
}

function later(a: PlacedLeaf, b: PlacedLeaf): number {
  return Math.max(a.index, b.index)
}

/** `exists: false` and any other test of the field: an absent field fails every other test. */
function absentAndTested(leaves: PlacedLeaf[]): Contradiction | null {
  const absent = leaves.find((p) => p.leaf.operator === 'exists' && p.leaf.value === false)
  if (!absent) return null
  const other = leaves.find((p) => !(p.leaf.operator === 'exists' && p.leaf.value === false))
  if (!other) return null
  return {
    index: later(absent, other),
    reason: `"${text(absent.leaf)}" and "${text(other.leaf)}" cannot both hold: a test of an absent field is false`,
  }
}

/** `equals v` fixes the field, so every other test of it is decided by evaluating it on v. */
function equalsAndOther(leaves: PlacedLeaf[]): Contradiction | null {
  // The engine reads a missing or null equals value as true; leave those alone.
  const equals = leaves.find(
    (p) => p.leaf.operator === 'equals' && p.leaf.value !== null && p.leaf.value !== undefined,
  )
  if (!equals) return null
  const ctx = contextWith(equals.leaf.field, equals.leaf.value)
  for (const other of leaves) {
    if (other === equals) continue
    if (!compileCondition(other.leaf).test(ctx)) {
      return {
        index: later(equals, other),
        reason: `"${text(equals.leaf)}" and "${text(other.leaf)}" cannot both hold`,
      }
    }
  }
  return null
}

/** gt/gte above lt/lte, or bounds of different types (numbers never compare with strings). */
function emptyRange(leaves: PlacedLeaf[]): Contradiction | null {
  const bounds = leaves.filter(
    (p) =>
      ORDERING.has(p.leaf.operator) &&
      (typeof p.leaf.value === 'string' ||
        (typeof p.leaf.value === 'number' && !Number.isNaN(p.leaf.value))),
  )
  for (const low of bounds) {
    for (const high of bounds) {
      if (low === high) continue
      const lo = low.leaf.value as number | string
      const hi = high.leaf.value as number | string
      if (typeof lo !== typeof hi) {
        return {
          index: later(low, high),
          reason: `"${text(low.leaf)}" and "${text(high.leaf)}" cannot both hold: one compares numbers, the other strings`,
        }
      }
      if (!isLower(low.leaf.operator) || isLower(high.leaf.operator)) continue
      const strict = low.leaf.operator === 'gt' || high.leaf.operator === 'lt'
      if (lo > hi || (lo === hi && strict)) {
        return {
          index: later(low, high),
          reason: `"${text(low.leaf)}" and "${text(high.leaf)}" cannot both hold: no value lies in between`,
        }
      }
    }
  }
  return null
}

function isLower(operator: string): boolean {
  return operator === 'gt' || operator === 'gte'
}

/** A request whose field at `path` holds `value`, for evaluating other conditions on it. */
function contextWith(field: string, value: unknown): EvalContext {
  const { root, segments } = parseFieldPath(field)
  const request: PolicyRequest = { action: 'call', user: {} }
  if (root === 'request' && segments.length === 1 && segments[0] === 'action') {
    return { action: value as Action, request }
  }
  const holder: Record<string, unknown> = {}
  let node = holder
  segments.forEach((segment, i) => {
    const next = i === segments.length - 1 ? value : {}
    // defineProperty, so a `__proto__` segment is an own property as resolvePath expects.
    Object.defineProperty(node, segment, { value: next, enumerable: true, writable: true })
    node = next as Record<string, unknown>
  })
  ;(request as unknown as Record<string, unknown>)[root] = holder
  return { action: 'call', request }
}
