import { describe, expect, it } from 'vitest'
import type { Condition, Operator } from '../../../src/index.js'
import { codes, lintRulesOf, withCode, type RuleInput } from './lint-helpers.js'

function unreachable(rule: Omit<RuleInput, 'name' | 'effect'>): string[] {
  return withCode(lintRulesOf([{ name: 'r', effect: 'allow', ...rule }]), 'W_UNREACHABLE_RULE').map(
    (f) => f.path,
  )
}

function impossible(...conditions: Condition[]): boolean {
  return unreachable({ conditions }).length > 0
}

describe('unreachable rules', () => {
  it('warns about a tools rule whose only action is read', () => {
    expect(unreachable({ tools: { names: ['x'] }, actions: ['read'] })).toEqual([
      'rules[0].actions',
    ])
  })

  it('warns about a prompts rule whose only action is call', () => {
    expect(unreachable({ prompts: { names: ['p'] }, actions: ['call'] })).toEqual([
      'rules[0].actions',
    ])
  })

  it('accepts a tools rule with list, and a rule naming no kind with any action', () => {
    expect(unreachable({ tools: { names: ['x'] }, actions: ['list'] })).toEqual([])
    expect(unreachable({ actions: ['read'] })).toEqual([])
  })

  it('warns about a field that must equal two different values', () => {
    expect(
      unreachable({
        conditions: [
          { field: 'user.claims.tier', operator: 'equals', value: 'gold' },
          { field: 'user.claims.tier', operator: 'equals', value: 'silver' },
        ],
      }),
    ).toEqual(['rules[0].conditions[1]'])
  })

  it('finds contradictions the equals value settles', () => {
    const tier = (operator: Operator, value: unknown): Condition => ({
      field: 'user.claims.tier',
      operator,
      value,
    })
    expect(impossible(tier('equals', 'gold'), tier('not_equals', 'gold'))).toBe(true)
    expect(impossible(tier('equals', 'gold'), tier('in', ['silver']))).toBe(true)
    expect(impossible(tier('equals', 'gold'), tier('exists', false))).toBe(true)
    expect(impossible(tier('equals', 3), tier('gt', 5))).toBe(true)
    // user.id is the same field as user.user_id
    expect(
      impossible(
        { field: 'user.id', operator: 'equals', value: 'bob' },
        { field: 'user.user_id', operator: 'equals', value: 'alice' },
      ),
    ).toBe(true)
  })

  it('finds empty ranges and ranges mixing numbers with strings', () => {
    const n = 'tool.args.n'
    expect(
      impossible({ field: n, operator: 'gt', value: 10 }, { field: n, operator: 'lt', value: 5 }),
    ).toBe(true)
    expect(
      impossible({ field: n, operator: 'gt', value: 5 }, { field: n, operator: 'lte', value: 5 }),
    ).toBe(true)
    expect(
      impossible({ field: n, operator: 'gt', value: 5 }, { field: n, operator: 'lt', value: '9' }),
    ).toBe(true)
    expect(
      impossible({ field: n, operator: 'gte', value: 5 }, { field: n, operator: 'lte', value: 5 }),
    ).toBe(false)
    expect(
      impossible({ field: n, operator: 'gt', value: 5 }, { field: n, operator: 'lt', value: 10 }),
    ).toBe(false)
  })

  it('finds contradictions inside an all group', () => {
    expect(
      impossible({
        all: [
          { field: 'user.claims.k', operator: 'exists', value: false },
          { field: 'user.claims.k', operator: 'not_equals', value: 1 },
        ],
      }),
    ).toBe(true)
  })

  it('never flags conditions that can hold together', () => {
    const k = 'user.claims.k'
    expect(
      impossible(
        { field: k, operator: 'equals', value: 1 },
        { field: k, operator: 'equals', value: 1 },
      ),
    ).toBe(false)
    expect(
      impossible(
        { field: k, operator: 'equals', value: 'a' },
        { field: k, operator: 'in', value: ['a', 'b'] },
      ),
    ).toBe(false)
    expect(
      impossible({
        any: [
          { field: k, operator: 'equals', value: 1 },
          { field: k, operator: 'equals', value: 2 },
        ],
      }),
    ).toBe(false)
    expect(
      impossible(
        { field: k, operator: 'equals', value: 1 },
        { not: { field: k, operator: 'equals', value: 1 } },
      ),
    ).toBe(false)
    // request.time is read anew by every condition
    expect(
      impossible(
        { field: 'request.time', operator: 'equals', value: '2030-01-01T00:00:00.000Z' },
        { field: 'request.time', operator: 'equals', value: '2031-01-01T00:00:00.000Z' },
      ),
    ).toBe(false)
  })

  it('warns about a condition on a kind the rule never applies to', () => {
    expect(
      unreachable({
        resources: { schemes: ['file'] },
        conditions: [{ field: 'tool.name', operator: 'equals', value: 'x' }],
      }),
    ).toEqual(['rules[0].conditions'])
  })

  it('accepts exists: false on a kind the rule never applies to (always true)', () => {
    expect(
      unreachable({
        resources: { schemes: ['file'] },
        conditions: [{ field: 'tool.name', operator: 'exists', value: false }],
      }),
    ).toEqual([])
  })

  it('warns about request.action conditions the actions rule out', () => {
    expect(
      unreachable({
        actions: ['list'],
        conditions: [{ field: 'request.action', operator: 'equals', value: 'call' }],
      }),
    ).toEqual(['rules[0].conditions'])
    expect(
      unreachable({
        actions: ['list', 'call'],
        conditions: [{ field: 'request.action', operator: 'equals', value: 'call' }],
      }),
    ).toEqual([])
  })
})

describe('unused matchers', () => {
  it('warns about a resources matcher no action reaches', () => {
    const findings = lintRulesOf([
      {
        name: 'r',
        effect: 'allow',
        tools: { names: ['x'] },
        resources: { uris: ['file:///a'] },
        actions: ['call'],
      },
    ])
    expect(findings).toEqual([
      expect.objectContaining({ code: 'W_UNUSED_MATCHER', path: 'rules[0].resources' }),
    ])
  })

  it('accepts matchers of several kinds with list', () => {
    const rule: RuleInput = {
      name: 'r',
      effect: 'allow',
      tools: { names: ['x'] },
      resources: { uris: ['file:///a'] },
      actions: ['list'],
    }
    expect(codes(lintRulesOf([rule]))).toEqual([])
  })
})
