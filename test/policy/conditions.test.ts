import { describe, expect, it } from 'vitest'
import { compilePolicies, type Condition, type PolicyRequest } from '../../src/index.js'

/** True when a single-condition allow rule matches the call. */
function holds(
  condition: Condition,
  args: Record<string, unknown>,
  user: PolicyRequest['user'] = {},
): boolean {
  const set = compilePolicies([
    { name: 'p', rules: [{ name: 'r', effect: 'allow', conditions: [condition] }] },
  ])
  return set.decide({ action: 'call', user, tool: { name: 't', args } }).effect === 'allow'
}

const leaf = (operator: string, value?: unknown, field = 'tool.args.x'): Condition =>
  ({ field, operator, ...(value === undefined ? {} : { value }) }) as Condition

describe('conditions on an absent field', () => {
  it.each([
    ['equals', 1],
    ['not_equals', 1],
    ['in', [1]],
    ['not_in', [1]],
    ['contains', 'a'],
    ['not_contains', 'a'],
    ['starts_with', 'a'],
    ['ends_with', 'a'],
    ['regex', '.*'],
    ['gt', 0],
    ['gte', 0],
    ['lt', 0],
    ['lte', 0],
    ['glob', '*'],
    ['exists', true],
  ])('makes %s false', (operator, value) => {
    expect(holds(leaf(operator, value), {})).toBe(false)
  })

  it('makes exists: false true', () => {
    expect(holds(leaf('exists', false), {})).toBe(true)
    expect(holds(leaf('exists', false), { x: null })).toBe(false)
  })

  it('reads only own properties, never inherited ones', () => {
    expect(holds(leaf('exists', true, 'tool.args.constructor'), {})).toBe(false)
    expect(holds(leaf('exists', true, 'tool.args.__proto__'), {})).toBe(false)
    expect(holds(leaf('exists', true, 'tool.args.toString'), {})).toBe(false)
    expect(holds(leaf('equals', 'x', 'tool.args.x.length'), { x: 'abc' })).toBe(false)
  })
})

describe('operators', () => {
  it('equals compares scalars strictly and objects deeply', () => {
    expect(holds(leaf('equals', 5), { x: 5 })).toBe(true)
    expect(holds(leaf('equals', 5), { x: '5' })).toBe(false)
    expect(holds(leaf('equals', { a: [1] }), { x: { a: [1] } })).toBe(true)
    expect(holds(leaf('not_equals', 5), { x: 6 })).toBe(true)
    expect(holds(leaf('not_equals', 5), { x: 5 })).toBe(false)
  })

  it('in: a scalar is a member; a list shares an element', () => {
    expect(holds(leaf('in', ['a', 'b']), { x: 'a' })).toBe(true)
    expect(holds(leaf('in', ['a', 'b']), { x: 'c' })).toBe(false)
    expect(
      holds(leaf('in', ['admin', 'moderator'], 'user.roles'), {}, { roles: ['user', 'moderator'] }),
    ).toBe(true)
    expect(holds(leaf('in', ['admin'], 'user.roles'), {}, { roles: ['user'] })).toBe(false)
    expect(holds(leaf('not_in', ['admin'], 'user.roles'), {}, { roles: ['user'] })).toBe(true)
    expect(holds(leaf('not_in', ['a', 'b']), { x: 'a' })).toBe(false)
  })

  it('contains: membership on a list, substring on a string, false on other types', () => {
    expect(holds(leaf('contains', 'ab'), { x: ['ab', 'c'] })).toBe(true)
    expect(holds(leaf('contains', 'a'), { x: ['ab'] })).toBe(false)
    expect(holds(leaf('contains', 'rm -rf'), { x: 'sudo rm -rf /' })).toBe(true)
    expect(holds(leaf('contains', 'a'), { x: 42 })).toBe(false)
    expect(holds(leaf('not_contains', 'a'), { x: ['b'] })).toBe(true)
    expect(holds(leaf('not_contains', 'a'), { x: 'cat' })).toBe(false)
    expect(holds(leaf('not_contains', 'a'), { x: 42 })).toBe(false)
  })

  it('starts_with and ends_with need a string field', () => {
    expect(holds(leaf('starts_with', '/data/'), { x: '/data/a' })).toBe(true)
    expect(holds(leaf('ends_with', '.md'), { x: 'a.md' })).toBe(true)
    expect(holds(leaf('starts_with', '1'), { x: 12 })).toBe(false)
  })

  it('regex searches anywhere unless the pattern anchors, and takes flags', () => {
    expect(holds(leaf('regex', 'DROP'), { x: 'SELECT 1; DROP TABLE t' })).toBe(true)
    expect(holds(leaf('regex', '^DROP'), { x: 'SELECT 1; DROP TABLE t' })).toBe(false)
    expect(
      holds(
        { field: 'tool.args.x', operator: 'regex', value: '\\bdrop\\b', flags: 'i' },
        { x: 'Drop table' },
      ),
    ).toBe(true)
    expect(holds(leaf('regex', '.'), { x: 5 })).toBe(false)
  })

  it('gt/gte/lt/lte compare numbers with numbers and strings with strings, never mixed', () => {
    expect(holds(leaf('gt', 100), { x: 500 })).toBe(true)
    expect(holds(leaf('gte', 100), { x: 100 })).toBe(true)
    expect(holds(leaf('lt', 100), { x: '5' })).toBe(false)
    expect(holds(leaf('gt', 100), { x: '5000' })).toBe(false)
    expect(holds(leaf('lte', 'b'), { x: 'a' })).toBe(true)
    expect(holds(leaf('lt', '2026-01-01', 'request.time'), {})).toBe(false)
  })

  it('glob matches a string field, and never lets a wildcard match a . or .. segment', () => {
    expect(holds(leaf('glob', '/data/**'), { x: '/data/a/b' })).toBe(true)
    expect(holds(leaf('glob', '/data/**'), { x: '/etc/passwd' })).toBe(false)
    expect(holds(leaf('glob', '/data/**'), { x: '/data/../etc/passwd' })).toBe(false)
    expect(holds(leaf('glob', '/data/**'), { x: '/data/./a' })).toBe(false)
  })

  it('compares null as null', () => {
    expect(holds(leaf('equals', null), { x: null })).toBe(true)
    expect(holds(leaf('equals', null), { x: true })).toBe(false)
    expect(holds(leaf('in', [null, 1]), { x: null })).toBe(true)
  })

  it('reads the length of a list as a field', () => {
    expect(holds(leaf('lte', 5, 'tool.args.x.length'), { x: [1, 2, 3] })).toBe(true)
  })

  it('exists is true for a present field, even null', () => {
    expect(holds(leaf('exists', true), { x: null })).toBe(true)
    expect(holds({ field: 'tool.args.x', operator: 'exists' } as Condition, { x: 0 })).toBe(true)
  })
})

describe('groups and fields', () => {
  it('any, all and not combine conditions', () => {
    const big = leaf('gt', 100)
    const small = leaf('lt', 10)
    expect(holds({ any: [big, small] }, { x: 5 })).toBe(true)
    expect(holds({ any: [big, small] }, { x: 50 })).toBe(false)
    expect(holds({ all: [leaf('gt', 1), leaf('lt', 10)] }, { x: 5 })).toBe(true)
    expect(holds({ not: big }, { x: 50 })).toBe(true)
    expect(holds({ not: big }, {})).toBe(true)
  })

  it('reads user, request and tool fields, and user.id as user.user_id', () => {
    expect(holds(leaf('equals', 'bob', 'user.id'), {}, { user_id: 'bob' })).toBe(true)
    expect(
      holds(
        leaf('equals', 'acme', 'user.claims.org.tenant'),
        {},
        { claims: { org: { tenant: 'acme' } } },
      ),
    ).toBe(true)
    expect(holds(leaf('equals', 'call', 'request.action'), {})).toBe(true)
    expect(holds(leaf('equals', 't', 'tool.name'), {})).toBe(true)
    expect(holds(leaf('equals', 2, 'tool.args.items.1'), { items: [1, 2] })).toBe(true)
  })

  it('reads request.time from the request, or the current time', () => {
    const set = compilePolicies([
      {
        name: 'p',
        rules: [
          {
            name: 'after-hours',
            effect: 'deny',
            conditions: [{ field: 'request.time', operator: 'gte', value: '2026-01-01T18:00' }],
          },
        ],
        default_effect: 'allow',
      },
    ])
    const at = (time: string) =>
      set.decide({ action: 'call', user: {}, tool: { name: 't' }, request: { time } }).effect
    expect(at('2026-01-01T19:30:00Z')).toBe('deny')
    expect(at('2026-01-01T09:00:00Z')).toBe('allow')
    expect(set.decide({ action: 'call', user: {}, tool: { name: 't' } }).effect).toBe('deny')
  })
})
