/** Deep copy of arrays and plain objects, so later changes to the caller's values change nothing. */
export function copyData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyData) as T
  if (isPlainObject(value)) {
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyData(v)])) as T
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
