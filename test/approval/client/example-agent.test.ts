import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WardenClient } from '../../../src/approval/client/index.js'
import { startApprovalHarness, type ApprovalHarness } from './approval-harness.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const OUT = join(ROOT, 'node_modules', '.cache', 'mcp-warden-approvals-example')
const ENTRY = join(OUT, 'examples', 'approvals', 'agent.js')

describe('examples/approvals/agent.ts', () => {
  let harness: ApprovalHarness
  beforeAll(async () => {
    harness = await startApprovalHarness()
    await rm(OUT, { recursive: true, force: true })
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const args = [tsc, 'examples/approvals/agent.ts', '--outDir', OUT, '--rootDir', '.']
    args.push('--module', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node')
    // Emits even when another module is mid-edit elsewhere; only the output matters here.
    await promisify(execFile)(process.execPath, args, { cwd: ROOT }).catch(() => undefined)
  }, 120_000)
  afterAll(() => harness.close())

  it('asks, waits for the TOTP approval, verifies, claims once and reports', async () => {
    expect(existsSync(ENTRY)).toBe(true)
    const child = spawn(process.execPath, [ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        WARDEN_API_KEY: harness.apiKey,
        WARDEN_URL: harness.url,
      },
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))

    const observer = new WardenClient({ apiKey: harness.apiKey, baseUrl: harness.url })
    let pending = (await observer.getHistory({ status: 'pending' })).actions
    while (pending.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      pending = (await observer.getHistory({ status: 'pending' })).actions
    }
    await harness.approve(pending[0]!.id)

    expect(await exited).toBe(0)
    expect(stdout).toContain(`fingerprint ${pending[0]!.fingerprint}`)
    expect(stdout).toContain(`Approved by ${harness.approverId} (totp); buying now.`)
    const done = await observer.getAction(pending[0]!.id)
    expect(done).toMatchObject({ status: 'executed', execution_result: 'succeeded' })
  })
})
