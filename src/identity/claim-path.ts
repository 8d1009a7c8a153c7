/**
 * The claim at `path` in a verified payload: the key itself when the payload has it (Auth0
 * namespaces claims with URLs full of dots), else a dotted walk (`realm_access.roles`).
 * Only own properties are read, never an inherited `__proto__` or `constructor`.
 */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path]
  let current: unknown = payload
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined
    if (!Object.hasOwn(current, segment)) return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}

/**
 * A list of strings from a claim value: a space-separated string (as RFC 8693 writes
 * `scope`) or an array of strings; an absent claim is an empty list, anything else undefined.
 */
export function stringListFromClaim(value: unknown): string[] | undefined {
  if (value === undefined) return []
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.filter(Boolean)
  }
  return undefined
}
