import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileGlob } from '../../../src/policy/glob.js'
import { globsCover } from '../../../src/policy/lint/glob-cover.js'

const globChars = fc.constantFrom('a', 'b', '.', '-', '_', ':', '/', '*', '?', '\\')
const textChars = fc.constantFrom('a', 'b', '.', '-', '_', ':', '/', '\n', ' ', '*')

describe('glob cover', () => {
  it('covers exact names the outer globs match, and identical globs', () => {
    expect(globsCover(['svc_*'], ['svc_a', 'svc_b'])).toBe(true)
    expect(globsCover(['svc_*', 'x/**'], ['x/**'])).toBe(true)
    expect(globsCover(['svc_*'], ['other'])).toBe(false)
  })

  it('lets * cover globs without a slash, but not ones with a slash or a leading dot', () => {
    expect(globsCover(['*'], ['svc_*', 'fs.*'])).toBe(true)
    expect(globsCover(['*'], ['fs/*'])).toBe(false)
    expect(globsCover(['*'], ['.*'])).toBe(false)
    expect(globsCover(['**'], ['svc_*'])).toBe(false)
  })

  it('never claims cover when some string matches the inner glob but not the outer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['*'], ['**'], ['a*'], ['*', 'b'], ['a/*']),
        fc.array(globChars, { minLength: 1, maxLength: 5 }).map((c) => c.join('')),
        fc.array(
          fc.array(textChars, { maxLength: 6 }).map((c) => c.join('')),
          { maxLength: 30 },
        ),
        (outer, inner, samples) => {
          let innerMatches: (value: string) => boolean
          try {
            innerMatches = compileGlob(inner)
          } catch {
            return
          }
          if (!globsCover(outer, [inner])) return
          const outerMatches = outer.map(compileGlob)
          // Fill the inner glob's wildcards with sample text, so most samples match it.
          const filled = samples.map((fill, i) =>
            inner.replace(/[*?]/g, () => fill.slice(0, (i % 3) + 1 + (fill.length % 4))),
          )
          for (const sample of [inner, ...samples, ...filled, inner.replaceAll('*', 'x\ny')]) {
            if (innerMatches(sample)) expect(outerMatches.some((m) => m(sample))).toBe(true)
          }
        },
      ),
      { numRuns: 3000 },
    )
  })
})
