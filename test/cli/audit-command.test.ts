import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { openAuditLog } from '../../src/audit/open-audit-log.js'
import { runCli } from './golden/cli-harness.js'
import { decisionEntry } from '../audit/audit-entries.js'

/** Runs `warden <args>` in-process. */
const warden = runCli

let dir: string
let file: string
let lastHash: string

beforeAll(() => {
  vi.stubEnv('NO_COLOR', '1')
})

afterAll(() => {
  vi.unstubAllEnvs()
})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-audit-cli-'))
  file = join(dir, 'audit.jsonl')
  const log = await openAuditLog(file)
  for (const id of ['d1', 'd2', 'd3']) await log.append(decisionEntry({ decision_id: id }))
  lastHash = log.lastHash
  await log.close()
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('warden audit verify', () => {
  it('exits 0 and prints the count and last hash of an intact chain', async () => {
    const run = await warden(['audit', 'verify', file])
    expect(run).toEqual({
      stdout: `OK: 3 records, chain intact, last hash ${lastHash}\n`,
      stderr: '',
      exitCode: 0,
    })
  })

  it('exits 1 and names the first bad line of a tampered file', async () => {
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace('"decision_id":"d2"', '"decision_id":"dX"'))
    const run = await warden(['audit', 'verify', file])
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/^BROKEN at line 2: /)
    expect(run.stdout).toContain('Intact before it: 1 record, last hash ')
  })

  it('prints the result as JSON with --json', async () => {
    const lines = (await readFile(file, 'utf8')).split('\n')
    await writeFile(file, `${lines[0]}\n${lines[2]}\n`)
    const run = await warden(['audit', 'verify', file, '--json'])
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      records: 1,
      firstBadLine: 2,
      problem: 'prev_mismatch',
    })
  })

  it('exits 2 when the file cannot be read', async () => {
    const run = await warden(['audit', 'verify', join(dir, 'missing.jsonl')])
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('warden audit verify: cannot read')
  })

  it('prints help with the exit statuses', async () => {
    const run = await warden(['audit', 'verify', '--help'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Usage: warden audit verify [options] <file>')
    expect(run.stdout).toContain('Exit status: 0 the chain is intact')
  })

  it('exits non-zero when the file argument is missing', async () => {
    const run = await warden(['audit', 'verify'])
    expect(run.exitCode).not.toBe(0)
    expect(run.stderr).toContain("missing required argument 'file'")
  })
})
