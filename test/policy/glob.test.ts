import fc from 'fast-check'
import picomatch from 'picomatch'
import { describe, expect, it } from 'vitest'
import { checkGlob, compileGlob, compileGlobList } from '../../src/policy/glob.js'

const OPTIONS = { dot: true, nobrace: true, noextglob: true, nonegate: true }
const alphabet = fc.constantFrom(
  'a',
  'b',
  '.',
  '/',
  '!',
  '+',
  '@',
  '$',
  '^',
  '{',
  '}',
  ',',
  '-',
  '_',
  ':',
  '\n',
  ' ',
)
const text = fc.array(alphabet, { maxLength: 8 }).map((chars) => chars.join(''))

describe('compileGlob', () => {
  it('agrees with picomatch on prefix globs', () => {
    fc.assert(
      fc.property(text, text, (literal, value) => {
        const pattern = `${literal}*`
        const oracle = picomatch.makeRe(pattern, OPTIONS)
        expect(compileGlob(pattern)(value)).toBe(oracle.test(value))
        expect(compileGlob(pattern)(literal + value)).toBe(oracle.test(literal + value))
      }),
      { numRuns: 5000 },
    )
  })

  it('matches a pattern without wildcards exactly, whatever its characters', () => {
    fc.assert(
      fc.property(text, text, (pattern, value) => {
        expect(compileGlob(pattern)(value)).toBe(pattern === value)
        expect(compileGlob(pattern)(pattern)).toBe(true)
      }),
    )
  })

  it('does not negate with a leading !, nor expand braces or extglobs', () => {
    expect(compileGlob('!admin*')('user')).toBe(false)
    expect(compileGlob('!admin*')('!admin_x')).toBe(true)
    expect(compileGlob('{a,b}')('a')).toBe(false)
  })

  it('matches lists by exact value or any wildcard', () => {
    const matches = compileGlobList(['exact', 'get_*', 'file:///data/**'])
    expect(['exact', 'get_x', 'file:///data/a/b', 'other', 'get_x/y'].map(matches)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
  })

  it('refuses | ( ) in globs, which picomatch would read as regex syntax', () => {
    expect(checkGlob('ok*')).toBeNull()
    expect(checkGlob('a|b')).toMatch(/regex condition/)
    expect(checkGlob('@(a)')).toMatch(/regex condition/)
  })
})
