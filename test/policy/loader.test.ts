import { mkdtemp, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  compilePolicies,
  loadPolicies,
  parsePolicy,
  PolicyLoadError,
  type SourceIssue,
} from '../../src/index.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-loader-'))
})

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await mkdir(join(file, '..'), { recursive: true })
  await writeFile(file, text)
  return file
}

function issuesOf(text: string): SourceIssue[] {
  const result = parsePolicy(text, 'p.yaml')
  if (!Array.isArray(result)) throw new Error('expected the policy to be invalid')
  return result
}

const valid = (name: string) => `name: ${name}\nrules:\n  - { name: r, effect: allow }\n`

describe('loadPolicies', () => {
  it('loads a file, a list of files, and a directory in sorted order, skipping test suites', async () => {
    await write('b.yaml', valid('b'))
    await write('a.yml', valid('a'))
    await write('nested/c.yaml', valid('c'))
    await write('a.test.yaml', 'suite: not a policy\n')
    await write('notes.txt', 'ignored')
    expect((await loadPolicies(join(dir, 'b.yaml'))).map((p) => p.name)).toEqual(['b'])
    expect(
      (await loadPolicies([join(dir, 'b.yaml'), join(dir, 'a.yml')])).map((p) => p.name),
    ).toEqual(['a', 'b'])
    expect((await loadPolicies(dir)).map((p) => p.name)).toEqual(['a', 'b', 'c'])
  })

  it('leaves approval-rules files in a policy folder to the approval service', async () => {
    await write('a.yaml', valid('a'))
    await write('rules.yaml', 'kind: approval-rules\nrules:\n  - { name: r, effect: auto_deny }\n')
    expect((await loadPolicies(dir)).map((p) => p.name)).toEqual(['a'])
  })

  it('records where each policy and rule came from', async () => {
    await write(
      'p.yaml',
      'name: p\nrules:\n  - name: one\n    effect: allow\n  - name: two\n    effect: deny\n',
    )
    const [policy] = await loadPolicies(dir)
    expect(policy!.source).toMatchObject({ line: 1, ruleLines: [3, 5] })
    expect(policy!.source!.file).toMatch(/p\.yaml$/)
  })

  it('fails with ERR_POLICY_NOT_FOUND for a missing path', async () => {
    const error = await loadPolicies(join(dir, 'missing.yaml')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PolicyLoadError)
    expect((error as PolicyLoadError).code).toBe('ERR_POLICY_NOT_FOUND')
  })

  it('reports the errors of every file, not only the first', async () => {
    await write('a.yaml', 'name: a\nrules:\n  - { name: r, effect: maybe }\n')
    await write('b.yaml', 'name: b\nrulez: []\n')
    const error = (await loadPolicies(dir).catch((e: unknown) => e)) as PolicyLoadError
    expect(error.code).toBe('ERR_POLICY_INVALID')
    expect(error.issues.map((i) => i.file?.split('/').pop())).toEqual([
      'a.yaml',
      'b.yaml',
      'b.yaml',
    ])
  })

  it('gives a loaded policy the same decisions as the same object compiled directly', async () => {
    const file = await write(
      'p.yaml',
      'name: p\nrules:\n  - { name: r, effect: allow, agents: { roles: [u] } }\n',
    )
    const fromYaml = compilePolicies(await loadPolicies(file))
    const direct = compilePolicies([
      { name: 'p', rules: [{ name: 'r', effect: 'allow', agents: { roles: ['u'] } }] },
    ])
    const request = { action: 'call' as const, user: { roles: ['u'] }, tool: { name: 't' } }
    expect(fromYaml.decide(request)).toEqual(direct.decide(request))
    expect(fromYaml.version).toBe(direct.version)
  })
})

describe('load errors', () => {
  it('points at an unknown key with file:line:column and the YAML path', () => {
    const issues = issuesOf(
      'name: p\nrules:\n  - name: r\n    effect: allow\n    tool: { names: [x] }\n',
    )
    expect(issues).toEqual([
      { file: 'p.yaml', line: 5, column: 5, path: 'rules[0].tool', message: 'unknown key "tool"' },
    ])
  })

  it('reports every error of a file', () => {
    const issues = issuesOf(
      [
        'name: p',
        'default_effect: maybe',
        'rules:',
        '  - name: r',
        '    effect: allow',
        '    conditions:',
        '      - { field: tool.args.x, operator: gtt, value: 1 }',
        '      - { field: tool.args.y, operator: regex, value: "(a+)+" }',
        '      - { field: tool.args.z, operator: regex, value: "(" }',
        '  - { name: s, effect: allow, priority: 1.5, extra: 1 }',
      ].join('\n'),
    )
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '2:17 default_effect',
      '7:41 rules[0].conditions[0].operator',
      '8:55 rules[0].conditions[1].value',
      '9:55 rules[0].conditions[2].value',
      '10:41 rules[1].priority',
      '10:46 rules[1].extra',
    ])
    expect(issues[2]!.message).toMatch(/catastrophic/)
    expect(issues[3]!.message).toMatch(/does not compile/)
  })

  it('rejects fields outside the request, bad operands and misplaced options', () => {
    const issues = issuesOf(
      [
        'name: p',
        'rules:',
        '  - name: r',
        '    effect: allow',
        '    conditions:',
        '      - { field: secrets.key, operator: exists }',
        '      - { field: tool.args.x, operator: in, value: 3 }',
        '      - { field: tool.args.x, operator: gt, value: [1] }',
        '      - { field: tool.args.x, operator: equals, value: 1, flags: i }',
        '      - { field: tool.args.x, operator: equals }',
        '      - { any: [], field: tool.name }',
        '    approval: { title: t }',
        '    agents: { roles: [] }',
      ].join('\n'),
    )
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '6:18 rules[0].conditions[0].field',
      '7:52 rules[0].conditions[1].value',
      '8:52 rules[0].conditions[2].value',
      '9:66 rules[0].conditions[3].flags',
      '10:9 rules[0].conditions[4].value',
      '11:9 rules[0].conditions[5]',
      '11:16 rules[0].conditions[5].any',
      '12:15 rules[0].approval',
      '13:22 rules[0].agents.roles',
    ])
  })

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const [syntax] = issuesOf('name: p\nrules: [\n')
    expect(syntax).toMatchObject({
      file: 'p.yaml',
      line: expect.any(Number),
      message: expect.stringMatching(/^YAML:/),
    })
    const [duplicate] = issuesOf('name: p\nname: q\nrules: []\n')
    expect(duplicate).toMatchObject({
      line: 2,
      message: expect.stringMatching(/unique|duplicate/i),
    })
  })

  it('rejects an empty file and a file with several documents', () => {
    expect(issuesOf('')[0]!.message).toMatch(/empty/)
    expect(issuesOf(`${valid('a')}---\n${valid('b')}`)[0]).toMatchObject({
      line: 4,
      message: 'one YAML document per file',
    })
  })

  it('rejects a glob that does not compile and an unknown action', () => {
    const issues = issuesOf('name: p\nrules:\n  - { name: r, effect: allow, actions: [delete] }\n')
    expect(issues[0]).toMatchObject({ path: 'rules[0].actions[0]' })
  })

  it('lists every problem of a plain object passed to compilePolicies', () => {
    const error = (() => {
      try {
        compilePolicies([{ name: 'p', rules: [{ name: 'r', effect: 'allow', bogus: 1 } as never] }])
      } catch (e) {
        return e as PolicyLoadError
      }
      throw new Error('expected a PolicyLoadError')
    })()
    expect(error.code).toBe('ERR_POLICY_INVALID')
    expect(error.issues[0]).toMatchObject({ file: 'policies[0] (p)', path: 'rules[0].bogus' })
  })
})
