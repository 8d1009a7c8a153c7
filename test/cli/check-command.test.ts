import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './golden/cli-harness.js'

const FIXTURES = 'test/fixtures/lint'

/** Runs `warden check …` in-process, capturing what it writes and the exit code it sets. */
async function check(...args: string[]) {
  const run = await runCli(['check', ...args])
  return { code: run.exitCode, stdout: run.stdout, stderr: run.stderr }
}

afterEach(() => {
  process.exitCode = undefined
})

describe('warden check', () => {
  it('exits 0 and prints the summary for clean policies', async () => {
    const run = await check(`${FIXTURES}/clean`)
    expect(run).toEqual({ code: 0, stdout: '1 file, 3 rules, 0 warnings\n', stderr: '' })
  })

  it('prints each warning as file:line path: [code] and still exits 0 without --strict', async () => {
    const run = await check(`${FIXTURES}/warnings`)
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines.map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      `${FIXTURES}/warnings/shadowed.yaml:9 rules[1]: [W_SHADOWED_RULE]`,
      `${FIXTURES}/warnings/shadowed.yaml:15 rules[2].conditions: [W_LIST_ARGUMENT_CONDITION]`,
      '1 file, 3',
    ])
    expect(lines.at(-1)).toBe('1 file, 3 rules, 2 warnings')
  })

  it('exits 1 on warnings with --strict, and 0 with --strict when clean', async () => {
    expect((await check('--strict', `${FIXTURES}/warnings`)).code).toBe(1)
    expect((await check('--strict', `${FIXTURES}/clean`)).code).toBe(0)
  })

  it('reports a tie between rules of two files at the later rule', async () => {
    const run = await check(`${FIXTURES}/ties`)
    expect(run.stdout).toContain(`${FIXTURES}/ties/b-deny.yaml:3 rules[0]: [W_CROSS_FILE_TIE]`)
    expect(run.stdout).toContain('2 files, 3 rules, 1 warning\n')
  })

  it('exits 2 and reports every error of an invalid file at file:line:column', async () => {
    const run = await check(`${FIXTURES}/invalid`)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    const file = `${FIXTURES}/invalid/two-errors.yaml`
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    // the unknown key `tool` (a typo for tools), then the catastrophic regex
    expect(lines[0]).toMatch(new RegExp(`^${file}:5:5 rules\\[0\\]\\.tool: `))
    expect(lines[1]).toMatch(
      new RegExp(`^${file}:10:\\d+ rules\\[1\\]\\.conditions\\[0\\]\\.value: `),
    )
    expect(lines[2]).toMatch(/^2 problems found/)
  })

  it('puts the errors in the JSON report too', async () => {
    const run = await check('--format', 'json', `${FIXTURES}/invalid`)
    expect(run.code).toBe(2)
    const report = JSON.parse(run.stdout)
    expect(report.errors).toEqual([
      expect.objectContaining({ line: 5, column: 5, path: 'rules[0].tool' }),
      expect.objectContaining({ line: 10, path: 'rules[1].conditions[0].value' }),
    ])
    expect(report.warnings).toEqual([])
  })

  it('prints the findings as JSON with --format json', async () => {
    const run = await check('--format', 'json', '--strict', `${FIXTURES}/warnings`)
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ files: 1, rules: 3, errors: [] })
    expect(report.warnings.map((w: { code: string }) => w.code)).toEqual([
      'W_SHADOWED_RULE',
      'W_LIST_ARGUMENT_CONDITION',
    ])
    expect(report.warnings[0]).toMatchObject({
      file: `${FIXTURES}/warnings/shadowed.yaml`,
      line: 9,
      path: 'rules[1]',
      policy: 'shadowed',
      rule: 'admins_delete',
      related: { rule: 'admins', line: 3 },
    })
  })

  it('exits 2 for a path that does not exist', async () => {
    const run = await check(`${FIXTURES}/no-such-dir`)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`${FIXTURES}/no-such-dir`)
  })

  it('exits 2 when a directory holds no policy file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-check-'))
    try {
      expect((await check(dir)).code).toBe(2)
    } finally {
      await rm(dir, { recursive: true })
    }
  })

  it('exits 2 for an unknown --format', async () => {
    const run = await check('--format', 'xml', `${FIXTURES}/clean`)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
  })

  it('explains itself with --help', async () => {
    const run = await check('--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('--strict')
    expect(run.stdout).toContain('--format <format>')
    expect(run.stdout).toContain('Exit status')
  })
})
