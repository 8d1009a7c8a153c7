import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SourceIssue } from '../../../src/errors.js'
import { loadSuite, type LoadedSuite } from '../../../src/policy/suite/load-suite.js'

const FIXTURES = resolve('test/fixtures/suites')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-suite-'))
  await writeFile(join(dir, 'p.yaml'), 'name: p\nrules: []\n')
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function load(yaml: string): Promise<LoadedSuite | SourceIssue[]> {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.test.yaml`)
  await writeFile(file, yaml)
  return loadSuite(file)
}

async function problems(yaml: string): Promise<{ at: string; path: string; message: string }[]> {
  const result = await load(yaml)
  if (!Array.isArray(result)) throw new Error('expected the suite to be invalid')
  return result.map((i) => ({ at: `${i.line}:${i.column}`, path: i.path, message: i.message }))
}

const HEAD = 'suite: s\npolicies: [p.yaml]\nidentities:\n  u: { roles: [user] }\ntests:\n'

describe('loadSuite', () => {
  it('loads a valid suite with its cases, lines and resolved policy files', async () => {
    const suite = await loadSuite(join(FIXTURES, 'passing/nested/notes.test.yaml'))
    if (Array.isArray(suite)) throw new Error(JSON.stringify(suite))
    expect(suite.name).toBe('notes')
    expect(suite.file).toBe('test/fixtures/suites/passing/nested/notes.test.yaml')
    expect(suite.policyFiles).toEqual([
      join(FIXTURES, 'policies/notes.yaml'),
      join(FIXTURES, 'policies/weather.yaml'),
    ])
    expect(suite.cases.map((c) => [c.name, c.line])).toEqual([
      ['staff read notes', 6],
      ['secret notes are blocked', 8],
    ])
    expect(suite.cases[0]).toMatchObject({
      kind: 'decision',
      request: {
        action: 'read',
        user: { user_id: 'sam', roles: ['staff'] },
        resource: { uri: 'notes://team/plan' },
      },
      expected: { effect: 'allow', rule: 'notes_for_staff', policy: 'notes' },
    })
  })

  it('turns each kind of test into its engine requests', async () => {
    const suite = await load(
      HEAD +
        '  - { name: c, identity: u, call: t, args: { a: 1 }, namespace: ns, tags: [x], annotations: { readOnlyHint: true }, time: "2025-01-01T00:00:00Z", expect: allow }\n' +
        '  - { name: r, identity: { user_id: z }, read: "file:///a", expect: deny, expect_rule: null }\n' +
        '  - { name: g, identity: u, get_prompt: pr, args: { b: 2 }, tags: [y], expect: escalate }\n' +
        '  - { name: l, identity: u, list: resources, available: ["a://1", "a://2"], expect_visible: ["a://2"] }\n',
    )
    if (Array.isArray(suite)) throw new Error(JSON.stringify(suite))
    const [call, read, get, list] = suite.cases
    expect(call).toMatchObject({
      request: {
        action: 'call',
        user: { roles: ['user'] },
        tool: {
          name: 't',
          args: { a: 1 },
          namespace: 'ns',
          tags: ['x'],
          annotations: { readOnlyHint: true },
        },
        request: { time: '2025-01-01T00:00:00Z' },
      },
    })
    expect(read).toMatchObject({
      request: { action: 'read', user: { user_id: 'z' }, resource: { uri: 'file:///a' } },
      expected: { effect: 'deny', rule: null },
    })
    expect(get).toMatchObject({
      request: { action: 'get', prompt: { name: 'pr', args: { b: 2 }, tags: ['y'] } },
    })
    expect(list).toMatchObject({
      kind: 'list',
      list: 'resources',
      expectedVisible: ['a://2'],
      items: [
        { item: 'a://1', request: { action: 'list', resource: { uri: 'a://1' } } },
        { item: 'a://2', request: { action: 'list', resource: { uri: 'a://2' } } },
      ],
    })
  })

  it('reports every problem of a file, positioned, with the YAML path', async () => {
    const result = await loadSuite(join(FIXTURES, 'invalid-suite/bad-keys.test.yaml'))
    expect(Array.isArray(result)).toBe(true)
    expect((result as SourceIssue[]).map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '2:38 policies[1]',
      '4:40 identities.user.colour',
      '6:81 tests[0].expected_rule',
      '8:7 tests[1].expect',
      '9:5 tests[2]',
      '10:41 tests[3].identity',
      '11:67 tests[4].expect',
    ])
    expect((result as SourceIssue[])[0]!.file).toBe(
      'test/fixtures/suites/invalid-suite/bad-keys.test.yaml',
    )
  })

  it('reports YAML syntax errors with their position', async () => {
    const result = (await loadSuite(
      join(FIXTURES, 'invalid-suite/broken-yaml.test.yaml'),
    )) as SourceIssue[]
    expect(result.length).toBeGreaterThan(0)
    for (const issue of result) {
      expect(issue).toMatchObject({ line: 4, column: 57, path: '' })
      expect(issue.message).toMatch(/^YAML: /)
    }
  })

  it('rejects an empty file and a missing file', async () => {
    expect(await problems('')).toEqual([
      { at: '1:1', path: '', message: expect.stringContaining('empty') },
    ])
    const missing = await loadSuite(join(dir, 'nope.test.yaml'))
    expect(missing).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^cannot read/) }),
    ])
  })

  it('requires suite, policies and tests', async () => {
    const found = await problems('identities: {}\n')
    expect(found.map((p) => [p.path, p.message])).toEqual(
      expect.arrayContaining([
        ['suite', 'is required'],
        ['policies', 'is required'],
        ['tests', 'is required'],
      ]),
    )
  })

  it('rejects a test with no request kind, or with two', async () => {
    expect(await problems(HEAD + '  - { name: a, identity: u, expect: allow }\n')).toEqual([
      {
        at: '6:5',
        path: 'tests[0]',
        message: 'a test needs one of call, list, read or get_prompt',
      },
    ])
    expect(
      await problems(HEAD + '  - { name: a, identity: u, call: x, read: y, expect: allow }\n'),
    ).toEqual([
      {
        at: '6:38',
        path: 'tests[0].read',
        message: 'a test has only one of call, list, read or get_prompt',
      },
    ])
  })

  it('rejects list keys on decision tests and decision keys on list tests', async () => {
    const found = await problems(
      HEAD +
        '  - { name: a, identity: u, call: x, expect: allow, available: [x], expect_visible: [x] }\n' +
        '  - { name: b, identity: u, list: tools, available: [x], expect_visible: [x], expect_rule: r, expect_policy: p }\n' +
        '  - { name: c, identity: u, list: prompts }\n',
    )
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tests[0].available: available only applies to a list test',
      'tests[0].expect_visible: expect_visible only applies to a list test',
      'tests[1].expect_rule: expect_rule does not apply to a list test; use expect_visible',
      'tests[1].expect_policy: expect_policy does not apply to a list test; use expect_visible',
      'tests[2]: a list test needs available',
      'tests[2]: a list test needs expect_visible',
    ])
  })

  it('rejects expect_visible items that are not available', async () => {
    expect(
      await problems(
        HEAD +
          '  - { name: a, identity: u, list: tools, available: [x, y], expect_visible: [y, z] }\n',
      ),
    ).toEqual([
      { at: '6:81', path: 'tests[0].expect_visible[1]', message: '"z" is not in available' },
    ])
  })

  it('rejects request details that do not apply to the kind of test', async () => {
    const found = await problems(
      HEAD +
        '  - { name: a, identity: u, read: r, args: {}, namespace: n, annotations: {}, tags: [t], expect: deny }\n' +
        '  - { name: b, identity: u, list: tools, available: [x], expect_visible: [], args: {} }\n' +
        '  - { name: c, identity: u, get_prompt: p, namespace: n, expect: deny }\n',
    )
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tests[0].args: args only apply to call and get_prompt tests',
      'tests[0].namespace: namespace only applies to tools (call, list: tools)',
      'tests[0].annotations: annotations only applies to tools (call, list: tools)',
      'tests[0].tags: tags only apply to tools and prompts',
      'tests[1].args: args only apply to call and get_prompt tests',
      'tests[2].namespace: namespace only applies to tools (call, list: tools)',
    ])
  })

  it('rejects unknown identities, unknown identity keys, duplicate names and bad times', async () => {
    const found = await problems(
      HEAD +
        '  - { name: a, identity: ghost, call: x, expect: deny }\n' +
        '  - { name: a, identity: { roles: [r], team: t }, call: x, expect: deny }\n' +
        '  - { name: b, identity: u, call: x, expect: deny, time: yesterday }\n',
    )
    expect(found.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'tests[0].identity: unknown identity "ghost"; define it under identities or write it inline',
      'tests[1].name: duplicate test name (tests[0])',
      'tests[1].identity.team: unknown key "team"',
      'tests[2].time: must be an ISO-8601 time such as 2025-01-31T09:00:00Z',
    ])
  })

  it('rejects policies that do not exist or name no policy file', async () => {
    expect(
      await problems(
        'suite: s\npolicies: [p.yaml, gone.yaml]\ntests:\n  - { name: a, identity: {}, call: x, expect: deny }\n',
      ),
    ).toEqual([
      {
        at: '2:20',
        path: 'policies[1]',
        message: expect.stringMatching(/^no such file or directory: .*gone\.yaml$/),
      },
    ])
    const empty = await mkdtemp(join(dir, 'empty-'))
    const file = join(dir, 'empty-policies.test.yaml')
    await writeFile(
      file,
      `suite: s\npolicies: [${empty}]\ntests:\n  - { name: a, identity: {}, call: x, expect: deny }\n`,
    )
    expect(await loadSuite(file)).toEqual([
      expect.objectContaining({
        line: 2,
        path: 'policies',
        message: 'names no policy files (*.yaml, *.yml)',
      }),
    ])
  })
})
