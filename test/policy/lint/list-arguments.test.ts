import { describe, expect, it } from 'vitest'
import type { Condition } from '../../../src/index.js'
import { codes, lintRulesOf, type RuleInput } from './lint-helpers.js'

const small: Condition = { field: 'tool.args.amount', operator: 'lt', value: 10 }
const pay = { names: ['pay'] }

function lint(rule: Omit<RuleInput, 'name'>) {
  return lintRulesOf([{ name: 'r', ...rule } as RuleInput])
}

describe('argument conditions and list', () => {
  it('warns that a list-only rule with an argument condition never matches', () => {
    expect(lint({ effect: 'allow', tools: pay, actions: ['list'], conditions: [small] })).toEqual([
      expect.objectContaining({ code: 'W_LIST_ARGUMENT_CONDITION', path: 'rules[0].conditions' }),
    ])
  })

  it('warns about a list-only rule even when its argument condition is one alternative of several', () => {
    const either: Condition = {
      any: [small, { field: 'user.claims.vip', operator: 'equals', value: true }],
    }
    expect(lint({ effect: 'allow', tools: pay, actions: ['list'], conditions: [either] })).toEqual([
      expect.objectContaining({ code: 'W_LIST_ARGUMENT_CONDITION' }),
    ])
  })

  it('warns that an allow for list and call with argument conditions never lists', () => {
    expect(lint({ effect: 'allow', tools: pay, conditions: [small] })).toEqual([
      expect.objectContaining({
        code: 'W_ARGUMENT_CONDITION_ON_LIST',
        path: 'rules[0].conditions',
      }),
    ])
  })

  it('accepts argument conditions on a rule for calls only', () => {
    expect(lint({ effect: 'allow', tools: pay, actions: ['call'], conditions: [small] })).toEqual(
      [],
    )
  })

  it('accepts an escalate guarded by arguments for list and call (it is meant for calls)', () => {
    expect(codes(lint({ effect: 'escalate', tools: pay, conditions: [small] }))).toEqual([])
  })

  it('accepts a deny with a negated argument condition: it decides calls, never lists', () => {
    const outside: Condition = {
      not: { field: 'tool.args.path', operator: 'glob', value: '/data/**' },
    }
    expect(
      lint({ effect: 'deny', tools: { names: ['read_file'] }, conditions: [outside] }),
    ).toEqual([])
  })
})
