import { describe, expect, it } from 'vitest'
import type { SourceIssue } from '../../../src/errors.js'
import { ApprovalRulesError } from '../../../src/approval/rules/approval-rules-error.js'
import { parseApprovalRules } from '../../../src/approval/rules/parse-approval-rules.js'

function issuesOf(text: string): SourceIssue[] {
  try {
    parseApprovalRules(text, 'r.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(ApprovalRulesError)
    return [...(error as ApprovalRulesError).issues]
  }
  throw new Error('expected the rules to be invalid')
}

const head = 'kind: approval-rules\nrules:\n'

describe('parseApprovalRules', () => {
  it('refuses unknown keys at the key itself', () => {
    expect(issuesOf(`${head}  - name: r\n    effect: auto_deny\n    colour: red\n`)).toEqual([
      {
        file: 'r.yaml',
        line: 5,
        column: 5,
        path: 'rules[0].colour',
        message: 'unknown key "colour"',
      },
    ])
    expect(issuesOf(`kind: approval-rules\nrulez: []\n`).map((i) => i.path)).toEqual([
      'rules',
      'rulez',
    ])
  })

  it('refuses bad effects, types, risks and empty lists', () => {
    const issues = issuesOf(
      `${head}  - name: r\n    effect: allow\n    action_types: []\n    risk_levels: [extreme]\n`,
    )
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [4, 'rules[0].effect'],
      [5, 'rules[0].action_types'],
      [6, 'rules[0].risk_levels[0]'],
    ])
    expect(issues[1]!.message).toMatch(/at least one value/)
  })

  it('refuses a bound pair that can never match', () => {
    const issues = issuesOf(
      `${head}  - { name: r, effect: auto_deny, min_amount: 10, max_amount: 5 }\n`,
    )
    expect(issues).toEqual([
      expect.objectContaining({
        line: 3,
        path: 'rules[0].min_amount',
        message: 'is above max_amount (5), so the rule never matches',
      }),
    ])
  })

  it('refuses an auto_approve rule that restricts nothing', () => {
    expect(issuesOf(`${head}  - { name: all, effect: auto_approve }\n`)[0]!.message).toMatch(
      /auto_approve needs at least one of/,
    )
    expect(
      parseApprovalRules(`${head}  - { name: all, effect: auto_deny }\n`, 'r.yaml').rules,
    ).toHaveLength(1)
  })

  it('refuses globs that are not globs', () => {
    const [issue] = issuesOf(`${head}  - { name: r, effect: auto_deny, agents: ["a|b"] }\n`)
    expect(issue).toMatchObject({ path: 'rules[0].agents[0]', line: 3 })
    expect(issue!.message).toMatch(/uses \| \( or \)/)
  })

  it('refuses a non-finite amount and a required field left out', () => {
    const issues = issuesOf(
      `${head}  - { name: r, effect: auto_deny, max_amount: .inf }\n  - { effect: auto_deny }\n`,
    )
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [3, 'rules[0].max_amount', expect.stringMatching(/finite|number/)],
      [4, 'rules[1].name', 'is required'],
    ])
  })

  it('reports YAML syntax errors and empty files with positions', () => {
    expect(issuesOf('kind: approval-rules\nrules: [\n')[0]).toMatchObject({
      file: 'r.yaml',
      message: expect.stringMatching(/^YAML: /),
    })
    expect(issuesOf('')[0]!.message).toMatch(/the file is empty; an approval-rules file needs/)
    expect(issuesOf('kind: approval-rules\nkind: approval-rules\nrules: []\n')[0]!.message).toMatch(
      /YAML: .*unique/i,
    )
  })

  it('accepts an empty rule list', () => {
    expect(parseApprovalRules(`${head.trimEnd()} []\n`, 'r.yaml').rules).toEqual([])
  })
})
