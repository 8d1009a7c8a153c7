import { describe, expect, it } from 'vitest'
import { checkRegex } from '../../src/policy/regex-safety.js'

describe('checkRegex', () => {
  it.each([
    '(a+)+',
    '(a*)*b',
    '(\\w+\\s?)*$',
    '((ab)*c)+',
    '(a|b+){2,}',
    '(x+x+)+y',
    '(?:a{1,}){3,}',
  ])('rejects nested unbounded quantifiers in %s', (pattern) => {
    expect(checkRegex(pattern)).toMatch(/catastrophic/)
  })

  it.each([
    '^\\s*SELECT\\b[^;]*;?\\s*$',
    '(ab)+',
    '[(a+)+]',
    '\\(a+\\)+',
    '(\\d{1,3}\\.){3}\\d{1,3}',
    'a+b*c?',
    '(a)(b)*',
  ])('accepts %s', (pattern) => {
    expect(checkRegex(pattern)).toBeNull()
  })

  it('rejects a pattern that does not compile, and bad flags', () => {
    expect(checkRegex('(')).toMatch(/does not compile/)
    expect(checkRegex('a', 'q')).toMatch(/does not compile/)
  })
})
