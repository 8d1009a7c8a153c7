import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalDigest, canonicalJson } from '../../src/audit/canonical-digest.js'
import { WardenError } from '../../src/errors.js'

function rejection(value: unknown): string | undefined {
  try {
    canonicalJson(value)
  } catch (error) {
    if (error instanceof WardenError) return error.code
    throw error
  }
  return undefined
}

describe('canonicalJson', () => {
  it('sorts object keys and drops whitespace', () => {
    expect(canonicalJson({ b: 2, a: 1 })).toBe('{"a":1,"b":2}')
    expect(canonicalJson(JSON.parse('{ "z": [ 3, { "y": 1, "x": 2 } ], "a": null }'))).toBe(
      '{"a":null,"z":[3,{"x":2,"y":1}]}',
    )
  })

  it('orders keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as unknown
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it('serializes numbers, strings and literals as RFC 8785 section 3.2.2 does', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals":[null,true,false]}',
    ) as unknown
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('prints numbers the way ECMAScript does', () => {
    expect(canonicalJson([0.1, 1e-7, 0.000001, 5e-324, -0, 100, -1.5])).toBe(
      '[0.1,1e-7,0.000001,5e-324,0,100,-1.5]',
    )
    expect(canonicalJson([9007199254740991, -9007199254740991])).toBe(
      '[9007199254740991,-9007199254740991]',
    )
  })

  it('leaves out undefined object members and turns undefined array items into null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}')
  })

  it('uses toJSON, so a Date becomes its ISO string', () => {
    expect(canonicalJson({ at: new Date('2025-01-02T03:04:05.000Z') })).toBe(
      '{"at":"2025-01-02T03:04:05.000Z"}',
    )
  })

  it('keeps a "__proto__" member as data', () => {
    const parsed = JSON.parse('{"__proto__":{"admin":true},"a":1}') as unknown
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"admin":true},"a":1}')
  })

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 1, a: 2 })
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}')
  })

  it('rejects integers beyond the safe range, 1e21 included', () => {
    for (const value of [2 ** 53, -(2 ** 53), 1e21, 1e30, Number.MAX_VALUE, { n: [2 ** 60] }]) {
      expect(rejection(value)).toBe('ERR_NOT_CANONICALIZABLE')
    }
  })

  it('rejects NaN and the infinities', () => {
    for (const value of [NaN, Infinity, -Infinity, { a: [1, NaN] }]) {
      expect(rejection(value)).toBe('ERR_NOT_CANONICALIZABLE')
    }
  })

  it('rejects values JSON cannot represent', () => {
    const values: unknown[] = [
      undefined,
      () => 1,
      { run: () => 1 },
      10n,
      [1, 2n],
      Symbol('s'),
      { s: Symbol('s') },
      new Map([['a', 1]]),
      new Set([1]),
      { when: /re/ },
      new (class Account {
        id = 1
      })(),
    ]
    for (const value of values) expect(rejection(value)).toBe('ERR_NOT_CANONICALIZABLE')
  })

  it('rejects lone surrogates in strings and keys', () => {
    expect(rejection('a\ud800b')).toBe('ERR_NOT_CANONICALIZABLE')
    expect(rejection({ ['\udc00']: 1 })).toBe('ERR_NOT_CANONICALIZABLE')
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"')
  })

  it('rejects circular references but accepts a shared subtree', () => {
    const cycle: Record<string, unknown> = { a: 1 }
    cycle.self = cycle
    expect(rejection(cycle)).toBe('ERR_NOT_CANONICALIZABLE')
    const shared = { x: 1 }
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}')
  })

  it('reads its output back to the same form, whatever the key order', () => {
    const json = fc.jsonValue().filter((value) => rejection(value) === undefined)
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value)
        expect(canonicalJson(JSON.parse(text))).toBe(text)
        expect(canonicalDigest(reverseKeys(value))).toBe(canonicalDigest(value))
      }),
    )
  })
})

describe('canonicalDigest', () => {
  it('is the hex SHA-256 of the canonical form', () => {
    expect(canonicalDigest({ b: 2, a: 1 })).toBe(
      '43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777',
    )
  })

  it('differs when a value differs', () => {
    expect(canonicalDigest({ amount: 100 })).not.toBe(canonicalDigest({ amount: 1000 }))
    expect(canonicalDigest({ amount: 100 })).not.toBe(canonicalDigest({ amount: '100' }))
  })

  it('rejects what canonicalJson rejects', () => {
    expect(() => canonicalDigest({ big: 2 ** 53 })).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_CANONICALIZABLE' }),
    )
  })
})

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value === null || typeof value !== 'object') return value
  const copy = Object.create(null) as Record<string, unknown>
  for (const key of Object.keys(value).reverse()) {
    copy[key] = reverseKeys((value as Record<string, unknown>)[key])
  }
  return copy
}
