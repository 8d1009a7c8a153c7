const ROOTS = ['user', 'tool', 'resource', 'prompt', 'request'] as const
export type FieldRoot = (typeof ROOTS)[number]

export interface FieldPath {
  root: FieldRoot
  segments: readonly string[]
  /** Reads a call's arguments (`tool.args.*`, `prompt.args.*`): false on list actions. */
  readsArgs: boolean
}

/** Marks a field the request does not have; distinct from a present `null`. */
export const ABSENT: unique symbol = Symbol('absent')
export type Absent = typeof ABSENT

/** Why a condition field is unusable, or null when it is fine. */
export function checkFieldPath(path: string): string | null {
  const parts = path.split('.')
  if (!(ROOTS as readonly string[]).includes(parts[0]!)) {
    return `field must start with ${ROOTS.map((r) => `${r}.`).join(', ')} (got "${path}")`
  }
  if (parts.length < 2 || parts.some((p) => p === '')) return `"${path}" is not a dotted field path`
  return null
}

export function parseFieldPath(path: string): FieldPath {
  const [root, ...rest] = path.split('.') as [FieldRoot, ...string[]]
  // mcp-auth-guard names the user's id `user.id`; ours is `user.user_id`.
  const segments = root === 'user' && rest[0] === 'id' ? ['user_id', ...rest.slice(1)] : rest
  const readsArgs = (root === 'tool' || root === 'prompt') && segments[0] === 'args'
  return { root, segments, readsArgs }
}

/** Follows own properties only, so `__proto__` or `constructor` never resolve to inherited values. */
export function resolvePath(start: unknown, segments: readonly string[]): unknown {
  let value = start
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return ABSENT
    value = (value as Record<string, unknown>)[segment]
  }
  return value === undefined ? ABSENT : value
}
