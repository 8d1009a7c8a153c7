import { describe, expect, it } from 'vitest'
import { compilePolicies, lintPolicies, loadPolicies } from '../../../src/index.js'
import { lintFiles } from './lint-helpers.js'

describe('lintPolicies', () => {
  it('takes loaded policies or a compiled PolicySet alike', async () => {
    const policies = await loadPolicies('test/fixtures/lint/warnings')
    const fromList = lintPolicies(policies)
    expect(fromList.map((f) => f.code)).toEqual(['W_SHADOWED_RULE', 'W_LIST_ARGUMENT_CONDITION'])
    expect(lintPolicies(compilePolicies(policies))).toEqual(fromList)
  })

  it('places findings at the file and line of the rule, as loaded', async () => {
    const findings = lintPolicies(await loadPolicies('test/fixtures/lint/ties'))
    expect(findings).toEqual([
      {
        code: 'W_CROSS_FILE_TIE',
        severity: 'warning',
        file: 'test/fixtures/lint/ties/b-deny.yaml',
        line: 3,
        path: 'rules[0]',
        policy: 'team_b',
        rule: 'no_deletes',
        message: expect.any(String),
        related: {
          file: 'test/fixtures/lint/ties/a-allow.yaml',
          line: 3,
          policy: 'team_a',
          rule: 'users_use_tools',
        },
      },
    ])
  })

  it('leaves file and line out for policies built in code', () => {
    const [finding] = lintPolicies(
      compilePolicies([
        { name: 'p', rules: [{ name: 'r', effect: 'allow', actions: ['read'], tools: {} }] },
      ]),
    )
    expect(finding).toMatchObject({
      code: 'W_UNREACHABLE_RULE',
      path: 'rules[0].actions',
      policy: 'p',
    })
    expect(finding).not.toHaveProperty('file', expect.anything())
  })

  it('lists findings in load order: a policy, then its rules in order', () => {
    const findings = lintFiles({
      'a.yaml': {
        name: 'same',
        rules: [{ name: 'x', effect: 'allow', actions: ['get'], tools: {} }],
      },
      'b.yaml': {
        name: 'same',
        rules: [
          { name: 'y', effect: 'allow', actions: ['read'], prompts: {} },
          { name: 'y', effect: 'deny', tools: { names: ['t'] }, actions: ['call'] },
        ],
      },
    })
    expect(findings.map((f) => `${f.file} ${f.path} ${f.code}`)).toEqual([
      'a.yaml rules[0].actions W_UNREACHABLE_RULE',
      'b.yaml name W_DUPLICATE_POLICY_NAME',
      'b.yaml rules[0].actions W_UNREACHABLE_RULE',
      'b.yaml rules[1].name W_DUPLICATE_RULE_NAME',
    ])
  })

  it('finds nothing to say about the shipped example policies', async () => {
    expect(lintPolicies(await loadPolicies('policies'))).toEqual([])
  })
})
