import picomatch from 'picomatch'

// No brace or extglob expansion, and no leading-! negation: a glob only ever widens a literal.
const GLOB_OPTIONS = { dot: true, nobrace: true, noextglob: true, nonegate: true } as const

/** Matches a string; a glob without wildcards compiles to plain equality. */
export type StringMatcher = (value: string) => boolean

export function checkGlob(pattern: string): string | null {
  // picomatch passes these through as regex syntax (alternation, groups): not glob, so refused.
  if (/[|()]/.test(pattern))
    return `glob "${pattern}" uses | ( or ), which globs do not support; use a regex condition`
  try {
    picomatch.makeRe(pattern, GLOB_OPTIONS)
    return null
  } catch (error) {
    return `glob "${pattern}" does not compile: ${(error as Error).message}`
  }
}

function hasWildcard(pattern: string): boolean {
  return /[*?[\]\\]/.test(pattern)
}

/**
 * `literal*` (the commonest glob) as a prefix test: picomatch's regex for it is
 * `^literal[^/]*?$`, so this agrees with it exactly (a property test holds the two together).
 */
function prefixOf(pattern: string): string | null {
  if (!pattern.endsWith('*')) return null
  const literal = pattern.slice(0, -1)
  return /^\w[\w.:-]*$/.test(literal) ? literal : null
}

export function compileGlob(pattern: string): StringMatcher {
  if (!hasWildcard(pattern)) return (value) => value === pattern
  const prefix = prefixOf(pattern)
  if (prefix !== null) {
    return (value) => value.startsWith(prefix) && value.indexOf('/', prefix.length) === -1
  }
  const re = picomatch.makeRe(pattern, GLOB_OPTIONS)
  return (value) => re.test(value)
}

/** One matcher for a list of globs: exact values by set lookup, wildcards one by one. */
export function compileGlobList(patterns: readonly string[]): StringMatcher {
  const exact = new Set(patterns.filter((p) => !hasWildcard(p)))
  const wildcards = patterns.filter(hasWildcard).map(compileGlob)
  if (wildcards.length === 0) return (value) => exact.has(value)
  if (exact.size === 0 && wildcards.length === 1) return wildcards[0]!
  return (value) => {
    if (exact.has(value)) return true
    for (const matches of wildcards) if (matches(value)) return true
    return false
  }
}
