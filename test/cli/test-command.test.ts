import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { xml } from '../../src/cli/reporters/junit-reporter.js'
import { expectGolden, runCli } from './golden/cli-harness.js'

const SUITES = 'test/fixtures/suites'
const POSITION = /^test\/fixtures\/suites\/\S+\.ya?ml:\d+:\d+ /

describe('warden test', () => {
  beforeAll(() => {
    vi.stubEnv('NO_COLOR', '1')
  })
  afterAll(() => {
    vi.unstubAllEnvs()
  })

  it('exits 0 and prints the summary line when every test passes', async () => {
    const run = await runCli(['test', `${SUITES}/passing`])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('✓ users cannot call saturn')
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('15 passed, 0 failed')
  })

  it('finds suites in nested directories, sorted by path', async () => {
    const run = await runCli(['test', `${SUITES}/passing`])
    const nested = run.stdout.indexOf('passing/nested/notes.test.yaml')
    const top = run.stdout.indexOf('passing/weather.test.yaml')
    expect(nested).toBeGreaterThan(-1)
    expect(nested).toBeLessThan(top)
  })

  it('runs a suite file given directly', async () => {
    const run = await runCli(['test', `${SUITES}/passing/nested/notes.test.yaml`])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('2 passed, 0 failed')
  })

  it('exits 1 and shows expected against actual when a test fails', async () => {
    const run = await runCli(['test', `${SUITES}/failing`])
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('✗ users call saturn (wrong)')
    expect(run.stdout).toMatch(/expected +allow\n/)
    expect(run.stdout).toMatch(/actual +deny by rule block_saturn_for_safety \(policy weather\)/)
    expect(run.stdout).toMatch(/expected +allow, rule admin_full_access/)
    expect(run.stdout).toMatch(/missing +get_mars_weather/)
    expect(run.stdout).toMatch(/unexpected +get_jupiter_weather/)
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 4 failed')
  })

  it('exits 2 and reports every problem of every invalid suite with file:line:column', async () => {
    const run = await runCli(['test', `${SUITES}/invalid-suite`])
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trimEnd().split('\n')
    const problems = lines.slice(0, -1)
    for (const line of problems) expect(line).toMatch(POSITION)
    const bad = `${SUITES}/invalid-suite/bad-keys.test.yaml`
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^${bad}:2:38 policies\\[1\\]: no such file`),
        expect.stringMatching(`^${bad}:4:40 identities.user.colour: unknown key "colour"`),
        expect.stringMatching(`^${bad}:6:81 tests\\[0\\].expected_rule: unknown key`),
        expect.stringMatching(`^${bad}:8:7 tests\\[1\\].expect: expect does not apply to a list`),
        expect.stringMatching(`^${bad}:9:5 tests\\[2\\]: a test needs expect`),
        expect.stringMatching(`^${bad}:10:41 tests\\[3\\].identity: unknown identity "nobody"`),
        expect.stringMatching(`^${bad}:11:67 tests\\[4\\].expect: `),
        expect.stringMatching(`^${SUITES}/invalid-suite/broken-yaml.test.yaml:4:\\d+ YAML: `),
      ]),
    )
    expect(problems).toHaveLength(8)
    expect(lines.at(-1)).toBe('8 problems found; no tests ran')
  })

  it('exits 2 on an invalid policy, reporting a policy shared by two suites once', async () => {
    const run = await runCli(['test', `${SUITES}/invalid-policy`])
    expect(run.exitCode).toBe(2)
    const problems = run.stderr.trimEnd().split('\n').slice(0, -1)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(
      /^test\/fixtures\/suites\/invalid-policy\/broken\.yaml:6:39 rules\[0\]\.conditions\[0\]\.operator: /,
    )
    expect(problems[1]).toMatch(/broken\.yaml:8:13 rules\[1\]\.effect: /)
  })

  it('exits 2 when a path does not exist or holds no suites', async () => {
    const missing = await runCli(['test', `${SUITES}/no-such-folder`])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('no-such-folder no such file or directory')
    const empty = await runCli(['test', `${SUITES}/policies`])
    expect(empty.exitCode).toBe(2)
    expect(empty.stderr).toContain('no *.test.yaml suites found')
  })

  it('exits 2 on an unknown reporter or a bad --min-coverage', async () => {
    expect((await runCli(['test', SUITES, '--reporter', 'tap'])).exitCode).toBe(2)
    expect((await runCli(['test', SUITES, '--min-coverage', 'lots'])).exitCode).toBe(2)
    expect((await runCli(['test', SUITES, '--min-coverage', '101'])).exitCode).toBe(2)
  })

  it('prints help', async () => {
    const run = await runCli(['test', '--help'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Usage: warden test [options] <paths...>')
    expect(run.stdout).toContain('--min-coverage <percent>')
  })

  describe('the JUnit reporter', () => {
    it('writes one testcase per test, failures with their details, escaped', async () => {
      const run = await runCli(['test', `${SUITES}/failing`, '--reporter', 'junit'])
      expect(run.exitCode).toBe(1)
      const doc = parseXml(run.stdout)
      expect(doc.name).toBe('testsuites')
      expect(doc.attributes).toMatchObject({ tests: '5', failures: '4' })
      const [suite] = doc.children
      expect(suite!.attributes).toMatchObject({
        name: 'weather-failing',
        tests: '5',
        failures: '4',
        file: `${SUITES}/failing/weather.test.yaml`,
      })
      expect(suite!.children.map((c) => c.name)).toEqual(Array(5).fill('testcase'))
      const cases = suite!.children
      expect(cases.every((c) => c.attributes.classname === 'weather-failing')).toBe(true)
      expect(cases[0]!.children).toEqual([])
      const failure = cases[1]!.children[0]!
      expect(failure.name).toBe('failure')
      expect(failure.attributes.message).toBe('expected allow, got deny')
      expect(failure.text).toContain('deny by rule block_saturn_for_safety')
      expect(cases[4]!.attributes.name).toBe(`escapes <xml> & "quotes" 'too'`)
    })

    it('lists every suite and counts all tests', async () => {
      const run = await runCli(['test', `${SUITES}/passing`, '--reporter', 'junit'])
      expect(run.exitCode).toBe(0)
      const doc = parseXml(run.stdout)
      expect(doc.attributes).toMatchObject({ tests: '15', failures: '0' })
      expect(doc.children.map((s) => [s.attributes.name, s.children.length])).toEqual([
        ['notes', 2],
        ['weather', 13],
      ])
    })

    it('escapes the five XML entities and drops control characters', () => {
      expect(xml(`<a b="c" d='e'>&\u0001`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;')
    })
  })

  describe('the JSON reporter', () => {
    it('prints suites, tests with expected and actual, and the summary', async () => {
      const run = await runCli(['test', `${SUITES}/failing`, '--reporter', 'json'])
      expect(run.exitCode).toBe(1)
      const report = JSON.parse(run.stdout)
      expect(Object.keys(report)).toEqual(['suites', 'summary'])
      expect(report.summary).toEqual({ passed: 1, failed: 4, total: 5 })
      const [suite] = report.suites
      expect(suite.suite).toBe('weather-failing')
      expect(suite.file).toBe(`${SUITES}/failing/weather.test.yaml`)
      expect(suite.tests[0]).toMatchObject({
        name: 'users call mars',
        status: 'passed',
        expected: { effect: 'allow' },
        actual: { effect: 'allow', rule: 'user_basic_weather', policy: 'weather' },
      })
      expect(suite.tests[0]).not.toHaveProperty('message')
      expect(suite.tests[1]).toMatchObject({
        status: 'failed',
        expected: { effect: 'allow' },
        actual: { effect: 'deny', rule: 'block_saturn_for_safety', policy: 'weather' },
        message: 'expected allow, got deny',
      })
      expect(typeof suite.tests[1].actual.reason).toBe('string')
      expect(suite.tests[3]).toMatchObject({
        name: 'interns see mars (wrong)',
        status: 'failed',
        expected: ['get_mars_weather'],
        actual: ['get_jupiter_weather'],
      })
    })

    it('adds coverage when asked', async () => {
      const run = await runCli([
        'test',
        `${SUITES}/golden`,
        '--reporter',
        'json',
        '--min-coverage',
        '50',
      ])
      expect(run.exitCode).toBe(1)
      expect(JSON.parse(run.stdout).coverage).toEqual({
        rules: 4,
        exercised: 3,
        percent: 75,
        minimum: 50,
        unexercised: [
          {
            policy: 'mini',
            rule: 'unused_rule',
            file: `${SUITES}/golden/mini.yaml`,
            line: 17,
          },
        ],
      })
    })
  })

  describe('coverage', () => {
    it('lists the rules no test exercised with file:line and the percentage', async () => {
      const run = await runCli(['test', `${SUITES}/passing`, '--coverage'])
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toContain('coverage: 11 of 12 rules decided a test (91.6%)')
      expect(run.stdout).toMatch(
        /notes\/never_used +test\/fixtures\/suites\/policies\/notes\.yaml:14/,
      )
    })

    it('fails the run below --min-coverage, even when every test passes', async () => {
      const run = await runCli(['test', `${SUITES}/passing`, '--min-coverage', '95'])
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toContain('coverage 91.6% is below the minimum of 95%')
      expect(run.stdout).toContain('notes/never_used')
      expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('15 passed, 0 failed')
    })

    it('passes at or above --min-coverage', async () => {
      const run = await runCli(['test', `${SUITES}/passing`, '--min-coverage', '91.6'])
      expect(run.exitCode).toBe(0)
    })

    it('goes to stderr with the JUnit reporter, keeping stdout XML', async () => {
      const run = await runCli(['test', `${SUITES}/golden`, '--reporter', 'junit', '--coverage'])
      expect(run.stdout.startsWith('<?xml')).toBe(true)
      expect(run.stderr).toContain('mini/unused_rule')
    })
  })

  it('writes the report to --output and prints the summary line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-test-'))
    try {
      const file = join(dir, 'report.xml')
      const run = await runCli(['test', `${SUITES}/failing`, '--reporter', 'junit', '-o', file])
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toBe('1 passed, 4 failed\n')
      expect(parseXml(await readFile(file, 'utf8')).attributes.tests).toBe('5')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('prints the golden text report (NO_COLOR)', async () => {
    const run = await runCli(['test', `${SUITES}/golden`, '--coverage'])
    expect(run.exitCode).toBe(1)
    expectGolden('test-report.txt', run.stdout)
  })
})

describe('the built warden binary', () => {
  const main = 'dist/cli/main.js'
  let buildError = ''
  beforeAll(() => {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' })
    } catch (error) {
      // tsc still emits when other files have type errors; the check below decides.
      buildError = String((error as { stdout?: Buffer }).stdout ?? error)
    }
  }, 120_000)

  it('runs warden test and exits with the suite status', (ctx) => {
    if (!existsSync(main)) {
      ctx.skip(`dist/cli/main.js was not built: ${buildError.slice(0, 500)}`)
    }
    const env = { ...process.env, NO_COLOR: '1' }
    const passing = spawnSync('node', [main, 'test', `${SUITES}/passing`], {
      env,
      encoding: 'utf8',
    })
    expect(passing.status).toBe(0)
    expect(passing.stdout).toContain('15 passed, 0 failed')
    const failing = spawnSync('node', [main, 'test', `${SUITES}/failing`], {
      env,
      encoding: 'utf8',
    })
    expect(failing.status).toBe(1)
    const invalid = spawnSync('node', [main, 'test', `${SUITES}/invalid-suite`], {
      env,
      encoding: 'utf8',
    })
    expect(invalid.status).toBe(2)
    expect(invalid.stderr).toMatch(/bad-keys\.test\.yaml:\d+:\d+ /)
  })
})

interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: XmlElement[]
  text: string
}

/** Just enough of an XML reader to check the report's structure; throws on unbalanced tags. */
function parseXml(source: string): XmlElement {
  const body = source.replace(/^<\?xml[^>]*\?>\s*/, '')
  const root: XmlElement = { name: '#root', attributes: {}, children: [], text: '' }
  const stack = [root]
  const token = /<(\/?)([\w-]+)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy
  let match: RegExpExecArray | null
  let consumed = 0
  while ((match = token.exec(body)) !== null) {
    consumed = token.lastIndex
    const [, closing, name, attrs, selfClosing, text] = match
    const top = stack.at(-1)!
    if (text !== undefined) {
      top.text += unescape(text)
    } else if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`)
      stack.pop()
    } else {
      const element: XmlElement = { name: name!, attributes: {}, children: [], text: '' }
      for (const [, key, value] of attrs!.matchAll(/([\w-]+)="([^"]*)"/g)) {
        element.attributes[key!] = unescape(value!)
      }
      top.children.push(element)
      if (!selfClosing) stack.push(element)
    }
  }
  if (consumed !== body.length) throw new Error(`unparsed XML at ${consumed}`)
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is not closed`)
  if (root.children.length !== 1) throw new Error('an XML document has one root element')
  return root.children[0]!
}

function unescape(text: string): string {
  const entities: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => entities[name]!)
}
