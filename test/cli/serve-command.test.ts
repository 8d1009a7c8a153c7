import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './golden/cli-harness.js'

/** `warden serve` runs as a real process from the build (`npm test` builds first). */
const DIST_MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname

describe('warden serve and warden approvals', () => {
  let dir: string
  let serve: ChildProcess
  let stderr = ''
  let url = ''
  let enrolment = ''
  let store = ''
  let keyFile = ''

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-serve-'))
    store = `sqlite:${join(dir, 'warden.db')}`
    keyFile = join(dir, 'secret.key')
    serve = spawn(
      process.execPath,
      [DIST_MAIN, 'serve', '--port', '0', '--store', store, '--secret-key-file', keyFile],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WARDEN_SECRET_KEY: '' } },
    )
    serve.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000)
      serve.stderr!.on('data', () => {
        if (/enrol#\S+\n/.test(stderr)) resolve(clearTimeout(timer))
      })
      serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
    })
    url = /listening on (\S+)/.exec(stderr)![1]!
    enrolment = /(http\S+\/enrol#\S+)/.exec(stderr)![1]!
  })
  afterAll(async () => {
    serve?.kill('SIGTERM')
    await rm(dir, { recursive: true, force: true })
  })

  const cli = (...args: string[]) =>
    runCli(['approvals', ...args, '--store', store, '--secret-key-file', keyFile])

  it('prints where it listens, the inbox, and a one-time link for the first approver', () => {
    expect(stderr).toMatch(/warden serve: store sqlite:/)
    expect(stderr).toMatch(/warden serve: inbox http:\/\/localhost:\d+\//)
    expect(enrolment).toMatch(/^http:\/\/localhost:\d+\/enrol#[A-Za-z0-9_-]{43}$/)
  })

  it('approves from the terminal with TOTP, and verify reports the evidence', async () => {
    const publicUrl = new URL(enrolment).origin
    const token = new URL(enrolment).hash.slice(1)
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: publicUrl, ...headers },
        body: JSON.stringify(body),
      })
    const setup = (await (await post('/api/v1/enrol/totp/setup', { token })).json()) as {
      provisioning_uri: string
    }
    const secret = new URL(setup.provisioning_uri).searchParams.get('secret')!
    const enrolled = await post('/api/v1/enrol/totp', { token, code: await generate({ secret }) })
    expect(enrolled.status).toBe(200)

    const key = (await cli('add-key', 'reporter')).stdout.trim()
    expect(key).toMatch(/^wk_/)
    const created = await post(
      '/api/v1/actions',
      { action_type: 'communication', title: 'Send report', parameters: { to: 'a@example.com' } },
      { 'x-api-key': key },
    )
    const { id } = (await created.json()) as { id: string }
    expect((await cli('list')).stdout).toContain(id)

    // The enrolment used this time step; the next step's code approves.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })
    const wrong = await cli('approve', id, '--approver', 'admin', '--totp', '000000')
    expect(wrong.exitCode).toBe(2)
    expect(wrong.stderr).toMatch(/ERR_TOTP_INVALID/)
    const approved = await cli('approve', id, '--approver', 'admin', '--totp', next)
    expect(approved.stdout, approved.stderr).toMatch(new RegExp(`${id} approved by admin`))
    expect(approved.stdout).toMatch(/fingerprint {2}[0-9A-F]{4} [0-9A-F]{4}/)
    const verified = await cli('verify', id)
    expect(verified.stdout).toMatch(/evidence verified \(totp\)/)
  })

  it('sets up TOTP from the terminal with a QR code', async () => {
    expect((await cli('add-approver', 'bob')).stdout).toMatch(/enrol#/)
    const setup = await cli('totp-setup', 'bob')
    const uri = /otpauth:\/\/totp\/\S+/.exec(setup.stdout)?.[0]
    expect(uri, setup.stderr).toBeDefined()
    expect(setup.stdout).toMatch(/[▀▄█]/)
    const secret = new URL(uri!).searchParams.get('secret')!
    const confirmed = await cli('totp-confirm', 'bob', await generate({ secret }))
    expect(confirmed.stdout).toMatch(/TOTP is on for bob/)
    const ambiguous = await cli('approve', 'apr_x', '--totp', '123456')
    expect(ambiguous.stderr).toMatch(/2 approvers use TOTP; say which with --approver NAME/)
  })

  it('removes an approver, whose TOTP then approves nothing', async () => {
    const removed = await cli('remove-approver', 'bob')
    expect(removed.stdout, removed.stderr).toMatch(/^approver bob \(apv_\S+\) removed at \S+Z$/m)
    const refused = await cli('approve', 'apr_x', '--approver', 'bob', '--totp', '123456')
    expect(refused.stderr).toMatch(/ERR_APPROVER_NOT_FOUND/)
    const unknown = await cli('remove-approver', 'bob')
    expect(unknown.exitCode).not.toBe(0)
    expect(unknown.stderr).toMatch(/no approver bob/)
  })

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => serve.once('exit', resolve))
    serve.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('refuses a store URL it does not understand, with exit code 2', async () => {
    const run = await runCli(['serve', '--store', 'mysql://x', '--port', '0'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/ERR_STORE_URL_INVALID/)
  })
})
