import { describe, expect, it } from 'vitest'
import { lintFiles, lintRulesOf } from './lint-helpers.js'

describe('duplicate names', () => {
  it('warns about a rule name used twice in one policy, at the second rule', () => {
    const findings = lintRulesOf([
      { name: 'same', effect: 'allow', tools: { names: ['a'] } },
      { name: 'same', effect: 'deny', tools: { names: ['b'] } },
    ])
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'W_DUPLICATE_RULE_NAME',
        severity: 'warning',
        path: 'rules[1].name',
        policy: 'p',
        rule: 'same',
        related: expect.objectContaining({ policy: 'p', rule: 'same' }),
      }),
    ])
  })

  it('accepts the same rule name in two policies', () => {
    const findings = lintFiles({
      'a.yaml': { name: 'a', rules: [{ name: 'same', effect: 'allow', tools: { names: ['x'] } }] },
      'b.yaml': { name: 'b', rules: [{ name: 'same', effect: 'allow', tools: { names: ['y'] } }] },
    })
    expect(findings).toEqual([])
  })

  it('warns about a policy name used by two files, at the later file', () => {
    const findings = lintFiles({
      'a.yaml': { name: 'shared', rules: [] },
      'b.yaml': { name: 'shared', rules: [] },
    })
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'W_DUPLICATE_POLICY_NAME',
        file: 'b.yaml',
        line: 1,
        path: 'name',
        related: { file: 'a.yaml', line: 1, policy: 'shared' },
      }),
    ])
  })

  it('accepts distinct policy names', () => {
    expect(
      lintFiles({ 'a.yaml': { name: 'a', rules: [] }, 'b.yaml': { name: 'b', rules: [] } }),
    ).toEqual([])
  })
})
