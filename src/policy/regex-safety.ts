/**
 * Rejects patterns that do not compile and patterns with nested unbounded quantifiers
 * (star height above one, as in `(a+)+` or `(\w*x?)*`), the classic catastrophic-backtracking shape.
 */
export function checkRegex(pattern: string, flags = ''): string | null {
  try {
    new RegExp(pattern, flags)
  } catch (error) {
    return `regex does not compile: ${(error as Error).message}`
  }
  if (hasNestedQuantifier(pattern)) {
    return `regex "${pattern}" nests unbounded quantifiers (catastrophic backtracking); rewrite it without a repeated group that itself repeats`
  }
  return null
}

function hasNestedQuantifier(pattern: string): boolean {
  // Each open group records whether an unbounded quantifier occurs inside it.
  const groups: boolean[] = []
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i]!
    if (ch === '\\') {
      i += 2
      continue
    }
    if (ch === '[') {
      i = skipClass(pattern, i)
      continue
    }
    if (ch === '(') {
      groups.push(false)
      i++
      continue
    }
    if (ch === ')') {
      const innerRepeats = groups.pop() ?? false
      i++
      const quantifier = readUnboundedQuantifier(pattern, i)
      if (quantifier > 0 && innerRepeats) return true
      if (quantifier > 0 || innerRepeats) markEnclosing(groups)
      i += quantifier
      continue
    }
    const quantifier = readUnboundedQuantifier(pattern, i)
    if (quantifier > 0) {
      markEnclosing(groups)
      i += quantifier
      continue
    }
    i++
  }
  return false
}

function markEnclosing(groups: boolean[]): void {
  if (groups.length > 0) groups[groups.length - 1] = true
}

/** Length of an unbounded quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 1) at i, or 0. */
function readUnboundedQuantifier(pattern: string, i: number): number {
  const ch = pattern[i]
  if (ch === '*' || ch === '+') return 1
  if (ch !== '{') return 0
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i))
  if (!match || match[2] === undefined) return 0
  const max = match[3] === '' ? Infinity : Number(match[3])
  return max > 1 ? match[0].length : 0
}

function skipClass(pattern: string, start: number): number {
  let i = start + 1
  if (pattern[i] === '^') i++
  if (pattern[i] === ']') i++
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1
  return i + 1
}
