import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../../../src/errors.js'
import { ApprovalRulesError } from '../../../src/approval/rules/approval-rules-error.js'
import {
  declaresApprovalRulesKind,
  loadApprovalRules,
} from '../../../src/approval/rules/load-approval-rules.js'

const fixtures = join(import.meta.dirname, '../../fixtures/approval-rules')

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-approval-rules-'))
})

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await mkdir(join(file, '..'), { recursive: true })
  await writeFile(file, text)
  return file
}

async function failure(paths: string | string[]): Promise<ApprovalRulesError> {
  const error = await loadApprovalRules(paths).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ApprovalRulesError)
  expect(error).toBeInstanceOf(WardenError)
  expect((error as WardenError).code).toBe('ERR_APPROVAL_RULES_INVALID')
  return error as ApprovalRulesError
}

const rule = (name: string, effect = 'auto_deny') =>
  `kind: approval-rules\nrules:\n  - { name: ${name}, effect: ${effect}, action_types: [legal] }\n`

describe('loadApprovalRules', () => {
  it('takes only approval-rules files from a directory, sorted by name', async () => {
    const rules = await loadApprovalRules(join(fixtures, 'mixed'))
    expect(rules.rules.map((r) => r.name)).toEqual([
      'small-purchases',
      'scheduling',
      'huge-purchases',
      'no-legal-from-bots',
    ])
    const decide = rules.decide
    expect(
      decide({ action_type: 'purchase', risk_level: 'low', amount: 3, created_by: 'bot-1' }),
    ).toEqual({ effect: 'auto_approve', rule: 'small-purchases' })
    expect(decide({ action_type: 'legal', risk_level: 'critical', created_by: 'intern' })).toEqual({
      effect: 'auto_deny',
      rule: 'no-legal-from-bots',
    })
  })

  it('loads nested directories and a list of paths in sorted path order', async () => {
    await write('b.yaml', rule('b'))
    await write('a/z.yaml', rule('az'))
    await write('c.yml', rule('c'))
    const fromDir = await loadApprovalRules(dir)
    expect(fromDir.rules.map((r) => r.name)).toEqual(['az', 'b', 'c'])
    const fromList = await loadApprovalRules([join(dir, 'c.yml'), join(dir, 'b.yaml')])
    expect(fromList.rules.map((r) => r.name)).toEqual(['b', 'c'])
  })

  it('reports every issue with file, line, column and YAML path', async () => {
    const error = await failure(join(fixtures, 'invalid'))
    const where = error.issues.map((i) => [i.file?.split('/').pop(), i.line, i.column, i.path])
    expect(where).toEqual([
      ['rules.yaml', 5, 5, 'rules[0].action_type'],
      ['rules.yaml', 9, 19, 'rules[1].risk_levels[0]'],
      ['rules.yaml', 10, 11, 'rules[2].name'],
      ['rules.yaml', 12, 17, 'rules[2].min_amount'],
    ])
    expect(error.issues[0]!.message).toBe('unknown key "action_type"')
    expect(error.issues[2]!.message).toBe('duplicate rule name "typo" (first at 3:11)')
    const lines = error.message.split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/invalid\/rules\.yaml:5:5 rules\[0\]\.action_type: unknown key/)
  })

  it('reports YAML syntax errors of a file that declares the kind, and ignores others', async () => {
    await write('broken-policy.yaml', 'name: [unclosed\n')
    await write('broken-rules.yaml', 'kind: approval-rules\nrules: [unclosed\n')
    const error = await failure(dir)
    expect(error.issues.map((i) => i.file?.split('/').pop())).toEqual(['broken-rules.yaml'])
    expect(error.issues[0]!.message).toMatch(/^YAML: /)
  })

  it('reports a duplicate rule name across files at the later one', async () => {
    await write('a.yaml', rule('same'))
    await write('b.yaml', rule('same'))
    const error = await failure(dir)
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]).toMatchObject({ line: 3, column: 13, path: 'rules[0].name' })
    expect(error.issues[0]!.file).toMatch(/b\.yaml$/)
    expect(error.issues[0]!.message).toMatch(
      /duplicate rule name "same" \(first at .*a\.yaml:3:13\)/,
    )
  })

  it('requires the kind in a file named directly', async () => {
    const file = await write('policy.yaml', 'name: p\nrules: []\n')
    const error = await failure(file)
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      ['kind', 'must be "approval-rules"'],
      ['name', 'unknown key "name"'],
    ])
  })

  it('fails for a missing path', async () => {
    const error = await failure(join(dir, 'nope.yaml'))
    expect(error.issues[0]!.message).toBe('no such file or directory')
  })

  it('loads an empty directory as no rules', async () => {
    const rules = await loadApprovalRules(dir)
    expect(rules.rules).toEqual([])
  })

  it('tells approval-rules files from others by their top-level kind', () => {
    expect(declaresApprovalRulesKind('kind: approval-rules\nrules: []\n')).toBe(true)
    expect(declaresApprovalRulesKind("kind: 'approval-rules'\nrules: [\n")).toBe(true)
    expect(declaresApprovalRulesKind('name: p\nrules: []\n')).toBe(false)
    expect(declaresApprovalRulesKind('meta:\n  kind: approval-rules\n')).toBe(false)
    expect(declaresApprovalRulesKind('- kind: approval-rules\n')).toBe(false)
    expect(declaresApprovalRulesKind('name: [\n  kind: approval-rules\n')).toBe(false)
  })
})
