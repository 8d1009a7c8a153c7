import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChild } from './children.js'

export const SUITE_PACKAGE = '@modelcontextprotocol/conformance@0.1.16'
/** The suite needs Node 22 or later; the npm package node@22 brings one without touching the system. */
const NODE_PACKAGE = 'node@22'
const RESOLVE_TIMEOUT_MS = 180_000
const LIST_TIMEOUT_MS = 60_000

/** One `server --scenario` run, read from the checks.json the suite writes. */
export interface ScenarioResult {
  scenario: string
  outcome: 'pass' | 'fail' | 'timeout' | 'error'
  passed: number
  failed: number
  warnings: number
  /** `check: message` for every FAILURE (and the tail of the output when no checks were written). */
  failures: string[]
  warningMessages: string[]
}

export interface Suite {
  /** The Node 22 binary and the suite's CLI script, as npx installed them. */
  readonly node: string
  readonly cli: string
  readonly scenarios: readonly string[]
  run(url: string, scenario: string, timeoutMs: number): Promise<ScenarioResult>
}

interface Check {
  name?: string
  status?: string
  errorMessage?: string
}

// Runs inside `npx -p node@22 -p <suite>`: prints where npx put the binary and the CLI.
const LOCATE_SCRIPT = `
const { existsSync, realpathSync } = require('node:fs')
const { delimiter, join } = require('node:path')
for (const dir of process.env.PATH.split(delimiter)) {
  const cli = join(dir, 'conformance')
  if (existsSync(cli)) {
    console.log('CONFORMANCE ' + JSON.stringify({ node: process.execPath, cli: realpathSync(cli) }))
    process.exit(0)
  }
}
process.exit(1)
`

async function locate(): Promise<{ node: string; cli: string }> {
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
  const args = ['-y', '-p', NODE_PACKAGE, '-p', SUITE_PACKAGE, '--', 'node', '-e', LOCATE_SCRIPT]
  const { code, output } = await runChild('npx', npx, args, RESOLVE_TIMEOUT_MS)
  const line = output.split('\n').find((text) => text.startsWith('CONFORMANCE '))
  if (code !== 0 || line === undefined) {
    throw new Error(
      `could not install ${SUITE_PACKAGE} with ${NODE_PACKAGE} through npx:\n${output}`,
    )
  }
  return JSON.parse(line.slice('CONFORMANCE '.length)) as { node: string; cli: string }
}

async function readChecks(outputDir: string): Promise<Check[] | undefined> {
  for (const entry of await readdir(outputDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    try {
      return JSON.parse(
        await readFile(join(outputDir, entry.name, 'checks.json'), 'utf8'),
      ) as Check[]
    } catch {
      return undefined
    }
  }
  return undefined
}

function tail(output: string): string {
  return output.trim().split('\n').slice(-5).join('\n')
}

function summarise(
  scenario: string,
  checks: readonly Check[],
  code: number | null,
  output: string,
): ScenarioResult {
  const having = (status: string) => checks.filter((check) => check.status === status)
  const describe = (check: Check) => `${check.name ?? '?'}: ${check.errorMessage ?? check.status}`
  const failed = having('FAILURE')
  const failures = failed.map(describe)
  if (code !== 0 && failures.length === 0)
    failures.push(`the suite exited ${code}: ${tail(output)}`)
  return {
    scenario,
    outcome: failures.length === 0 ? 'pass' : 'fail',
    passed: having('SUCCESS').length,
    failed: failed.length,
    warnings: having('WARNING').length,
    failures,
    warningMessages: having('WARNING').map(describe),
  }
}

export async function loadSuite(): Promise<Suite> {
  const { node, cli } = await locate()
  const listed = await runChild(
    'conformance list',
    node,
    [cli, 'list', '--server'],
    LIST_TIMEOUT_MS,
  )
  const scenarios = [...listed.output.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((match) => match[1]!)
  if (listed.code !== 0 || scenarios.length === 0) {
    throw new Error(`the suite listed no server scenarios:\n${listed.output}`)
  }

  const run = async (url: string, scenario: string, timeoutMs: number): Promise<ScenarioResult> => {
    const outputDir = await mkdtemp(join(tmpdir(), 'warden-conformance-'))
    try {
      const args = [cli, 'server', '--url', url, '--scenario', scenario, '-o', outputDir]
      const { code, timedOut, output } = await runChild(scenario, node, args, timeoutMs)
      const checks = await readChecks(outputDir)
      if (timedOut || checks === undefined) {
        return {
          scenario,
          outcome: timedOut ? 'timeout' : 'error',
          passed: 0,
          failed: 0,
          warnings: 0,
          failures: [timedOut ? `no result within ${timeoutMs} ms` : tail(output)],
          warningMessages: [],
        }
      }
      return summarise(scenario, checks, code, output)
    } finally {
      await rm(outputDir, { recursive: true, force: true })
    }
  }
  return { node, cli, scenarios, run }
}
