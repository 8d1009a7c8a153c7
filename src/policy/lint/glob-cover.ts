import { compileGlobList } from '../glob.js'

// The engine's own test for "has glob syntax" (src/policy/glob.ts): without it a glob is equality.
const WILDCARD = /[*?[\]\\]/

/**
 * A glob that every match of `*` covers: it starts with a plain character (never `.` or a
 * wildcard) and holds no `/`, `?`, class or escape, so its matches are non-empty, cross no `/`
 * and are never a `.` or `..` segment, which is exactly what `*` accepts.
 */
const STAR_COVERED = /^[A-Za-z0-9_-][A-Za-z0-9_.:*-]*$/

export function isLiteral(value: string): boolean {
  return !WILDCARD.test(value)
}

/** True when every string one of `inner` matches is matched by one of `outer` (sound, not complete). */
export function globsCover(outer: readonly string[], inner: readonly string[]): boolean {
  const matches = compileGlobList(outer)
  const star = outer.includes('*')
  return inner.every(
    (glob) =>
      outer.includes(glob) ||
      (isLiteral(glob) && matches(glob)) ||
      (star && STAR_COVERED.test(glob)),
  )
}

/** True when each literal value is matched by one of the globs. */
export function literalsMatch(globs: readonly string[], values: readonly string[]): boolean {
  const matches = compileGlobList(globs)
  return values.every((value) => matches(value))
}

/** True when no string matches both lists; only decided when `values` are all literal. */
export function literalsMissGlobs(values: readonly string[], globs: readonly string[]): boolean {
  if (!values.every(isLiteral)) return false
  const matches = compileGlobList(globs)
  return values.every((value) => !matches(value))
}

export function isSubset(inner: readonly string[], outer: readonly string[]): boolean {
  const set = new Set(outer)
  return inner.every((value) => set.has(value))
}

export function isDisjoint(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a)
  return b.every((value) => !set.has(value))
}

/** The literal values a matcher pins a name to: its exact list, or patterns without wildcards. */
export function pinned(
  exact?: readonly string[],
  patterns?: readonly string[],
): readonly string[] | undefined {
  if (exact) return exact
  return patterns?.every(isLiteral) ? patterns : undefined
}
