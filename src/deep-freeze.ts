/**
 * Freezes `value` and everything reachable from it, in place, and returns it. An object
 * already frozen is taken as done, which also ends cycles.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
