import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSuites } from '../../../src/policy/suite/run-suites.js'
import { suiteFiles } from '../../../src/policy/suite/suite-files.js'

let dir: string
const SUITE = (name: string) =>
  `suite: ${name}\npolicies: [p.yaml]\ntests:\n  - { name: t, identity: { roles: [r] }, call: x, expect: allow }\n`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-suites-'))
  for (const sub of ['b', 'a/deep', 'node_modules/pkg', '.hidden']) {
    await mkdir(join(dir, sub), { recursive: true })
  }
  await writeFile(
    join(dir, 'p.yaml'),
    'name: p\nrules:\n  - { name: r, effect: allow, agents: { roles: [r] } }\n',
  )
  for (const sub of ['a/deep', 'b', 'node_modules/pkg', '.hidden']) {
    await writeFile(
      join(dir, sub, 'p.yaml'),
      'name: p\nrules:\n  - { name: r, effect: allow, agents: { roles: [r] } }\n',
    )
  }
  await writeFile(join(dir, 'b/two.test.yaml'), SUITE('two'))
  await writeFile(join(dir, 'a/deep/one.test.yml'), SUITE('one'))
  await writeFile(join(dir, 'a/deep/not-a-suite.yaml'), 'x: 1\n')
  await writeFile(join(dir, 'node_modules/pkg/dep.test.yaml'), SUITE('dep'))
  await writeFile(join(dir, '.hidden/hidden.test.yaml'), SUITE('hidden'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('suiteFiles', () => {
  it('finds *.test.yaml and *.test.yml below a directory, sorted, skipping node_modules and dot-folders', async () => {
    const found = await suiteFiles([dir])
    expect(found).toEqual({
      files: [join(dir, 'a/deep/one.test.yml'), join(dir, 'b/two.test.yaml')],
      issues: [],
    })
  })

  it('takes a file as given, once, and reports missing paths', async () => {
    const file = join(dir, 'node_modules/pkg/dep.test.yaml')
    const found = await suiteFiles([file, file, join(dir, 'missing')])
    expect(found.files).toEqual([file])
    expect(found.issues).toEqual([
      expect.objectContaining({ message: 'no such file or directory' }),
    ])
  })
})

describe('runSuites', () => {
  it('runs every suite and sums the results', async () => {
    const run = await runSuites([dir])
    if (!run.ok) throw new Error(JSON.stringify(run.issues))
    expect(run.suites.map((s) => s.suite)).toEqual(['one', 'two'])
    expect(run.summary).toEqual({ passed: 2, failed: 0, total: 2 })
    expect(run.coverage).toMatchObject({ rules: 2, exercised: 2, percent: 100 })
  })

  it('reports that no suites were found', async () => {
    const empty = join(dir, 'empty')
    await mkdir(empty, { recursive: true })
    const run = await runSuites([empty])
    expect(run).toEqual({
      ok: false,
      issues: [{ file: empty, path: '', message: 'no *.test.yaml suites found' }],
    })
  })

  it('stops before any test runs when a suite is invalid, reporting every problem', async () => {
    const bad = join(dir, 'bad')
    await mkdir(bad, { recursive: true })
    await writeFile(join(bad, 'x.test.yaml'), 'suite: x\npolicies: [nope.yaml]\ntests: []\n')
    await writeFile(
      join(bad, 'y.test.yaml'),
      'suite: y\npolicies: [../p.yaml]\ntests:\n  - { name: t, identity: ghost, call: x, expect: allow }\n',
    )
    const run = await runSuites([bad])
    expect(run.ok).toBe(false)
    if (run.ok) return
    expect(run.issues.map((i) => i.path)).toEqual(['policies[0]', 'tests', 'tests[0].identity'])
  })
})
