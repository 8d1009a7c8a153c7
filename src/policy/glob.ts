import picomatch from 'picomatch'

const GLOB_OPTIONS = { dot: true, nobrace: true, noextglob: true } as const

/** Matches a string; a glob without wildcards compiles to plain equality. */
export type StringMatcher = (value: string) => boolean

export function checkGlob(pattern: string): string | null {
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

export function compileGlob(pattern: string): StringMatcher {
  if (!hasWildcard(pattern)) return (value) => value === pattern
  const re = picomatch.makeRe(pattern, GLOB_OPTIONS)
  return (value) => re.test(value)
}

/** One matcher for a list of globs: exact values by set lookup, wildcards by regex. */
export function compileGlobList(patterns: readonly string[]): StringMatcher {
  const exact = new Set(patterns.filter((p) => !hasWildcard(p)))
  const wildcards = patterns.filter(hasWildcard).map((p) => picomatch.makeRe(p, GLOB_OPTIONS))
  if (wildcards.length === 0) return (value) => exact.has(value)
  return (value) => exact.has(value) || wildcards.some((re) => re.test(value))
}
