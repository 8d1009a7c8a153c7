import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js'
import { closedPort } from '../mcp/proxy/escalation-harness.js'
import { httpClient } from '../mcp/proxy/proxy-harness.js'
import { startHttpUpstream, type HttpUpstream } from './http-upstream.js'
import { admin, sample } from './metrics-text.js'

/** `warden proxy` runs as a real process from the build (`npm test` builds first). */
const DIST_MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname
const POLICY = 'name: open\ndefault_effect: allow\nrules: []\n'

interface Run {
  child: ChildProcess
  stderr: () => string
  exited: Promise<number | null>
}

function warden(args: string[], cwd: string): Run {
  const child = spawn(process.execPath, [DIST_MAIN, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return { child, stderr: () => stderr, exited }
}

/** Resolves with the first match of `pattern` in the process's stderr. */
async function waitFor(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const found = pattern.exec(run.stderr())
    if (found) return found
    const exited = await Promise.race([
      run.exited.then((code) => ({ code })),
      new Promise<undefined>((done) => run.child.stderr!.once('data', () => done(undefined))),
    ])
    if (exited) throw new Error(`warden exited ${exited.code}: ${run.stderr()}`)
  }
}

describe('warden proxy as a process', () => {
  let dir: string
  let upstream: HttpUpstream

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-process-'))
    await writeFile(join(dir, 'policy.yaml'), POLICY)
    upstream = await startHttpUpstream()
  })
  afterAll(async () => {
    await upstream?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('on SIGTERM lets the call in flight finish, exits 0, and audits every call', async () => {
    const auditFile = join(dir, 'audit.jsonl')
    const run = warden(
      [
        'proxy',
        '--upstream-url',
        upstream.url,
        '--policies',
        'policy.yaml',
        '--listen',
        'http://127.0.0.1:0/mcp',
        '--allow-anonymous',
        '--audit-file',
        auditFile,
        '--admin',
        '127.0.0.1:0',
        '--shutdown-grace',
        '60s',
      ],
      dir,
    )
    try {
      const url = (await waitFor(run, /listening on (\S+);/))[1]!
      const adminUrl = (await waitFor(run, /admin listener on (\S+) /))[1]!
      const client = await httpClient(url, {})
      for (const text of ['one', 'two', 'three']) {
        await client.callTool({ name: 'echo', arguments: { text } })
      }
      const { text: scraped } = await admin(adminUrl, '/metrics')
      expect(sample(scraped, 'warden_decisions_total', { effect: 'allow', tool: 'echo' })).toBe(3)

      const held = client.callTool({ name: 'hold', arguments: {} }) as Promise<CallToolResult>
      await upstream.held()
      run.child.kill('SIGTERM')
      await waitFor(run, /SIGTERM: shutting down/)
      // Not ready any more, and the port is closed, while the held call still runs.
      expect((await admin(adminUrl, '/readyz')).status).toBe(503)
      await expect(httpClient(url, {})).rejects.toThrow(/fetch failed/)

      upstream.release()
      expect((await held).content).toEqual([{ type: 'text', text: 'released' }])
      expect(await run.exited).toBe(0)
      expect(run.stderr()).toMatch(/warden proxy: stopped\n/)

      const records = (await readFile(auditFile, 'utf8')).trim().split('\n')
      const calls = records.map((line) => JSON.parse(line)).filter((r) => r.method === 'tools/call')
      expect(calls).toHaveLength(4)
      expect((await verifyAuditLog(auditFile)).ok).toBe(true)
      await client.close().catch(() => undefined)
    } finally {
      run.child.kill('SIGKILL')
    }
  })

  it('on SIGINT with nothing in flight exits 0 at once', async () => {
    const run = warden(
      ['proxy', '--upstream-url', upstream.url, '--policies', 'policy.yaml'].concat([
        '--listen',
        'http://127.0.0.1:0/mcp',
        '--allow-anonymous',
      ]),
      dir,
    )
    await waitFor(run, /listening on/)
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
  })
})

describe('start-up failures', () => {
  let dir: string
  let taken: Server
  let port: number

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-startup-'))
    await writeFile(join(dir, 'policy.yaml'), POLICY)
    await writeFile(join(dir, 'broken.yaml'), 'name: broken\ndefault_effect: maybe\nrules: []\n')
    taken = createServer()
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done))
    port = (taken.address() as { port: number }).port
  })
  afterAll(async () => {
    taken?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const proxy = (...args: string[]) =>
    warden(['proxy', '--upstream', 'node upstream.mjs', '--allow-anonymous', ...args], dir)
  const lines = (run: Run) => run.stderr().trimEnd().split('\n')

  it('names a listen port in use in one line, exit 1', async () => {
    const run = proxy('--policies', 'policy.yaml', '--listen', `http://127.0.0.1:${port}/mcp`)
    expect(await run.exited).toBe(1)
    expect(lines(run)).toEqual([`warden proxy: port ${port} on 127.0.0.1 is in use`])
  })

  it('names an admin port in use in one line, exit 1', async () => {
    const admin = proxy(
      '--policies',
      'policy.yaml',
      '--listen',
      'http://127.0.0.1:0/mcp',
      '--admin',
      `127.0.0.1:${port}`,
    )
    expect(await admin.exited).toBe(1)
    expect(lines(admin)).toEqual([`warden proxy: admin port ${port} on 127.0.0.1 is in use`])
  })

  it('names each policy problem in one line, then a summary, exit 2', async () => {
    const run = proxy('--policies', 'broken.yaml', '--listen', 'http://127.0.0.1:0/mcp')
    expect(await run.exited).toBe(2)
    expect(lines(run)).toEqual([
      expect.stringMatching(/^broken\.yaml:2:\d+ default_effect: /),
      '1 problem found; the proxy did not start',
    ])
  })

  it('names a bad configuration key in one line, exit 2', async () => {
    await writeFile(
      join(dir, 'warden.yaml'),
      'upstreams: { x: { command: node } }\npolicies: policy.yaml\nallow_anonymous: true\n' +
        'admin: { port: 9464, tls: true }\n',
    )
    const run = warden(['proxy', '--config', 'warden.yaml'], dir)
    expect(await run.exited).toBe(2)
    expect(lines(run)).toEqual([
      expect.stringMatching(/^warden\.yaml:4:\d+ admin\.tls: unknown key "tls"$/),
      '1 problem found; the proxy did not start',
    ])
  })

  it('names a bad --request-timeout in one line, exit 2', async () => {
    await writeFile(
      join(dir, 'timeout.yaml'),
      'upstreams: { x: { command: node } }\npolicies: policy.yaml\nallow_anonymous: true\n',
    )
    const run = warden(
      ['proxy', '--config', 'timeout.yaml', '--request-timeout', 'ten seconds'],
      dir,
    )
    expect(await run.exited).toBe(2)
    expect(lines(run)).toEqual([
      expect.stringMatching(/request_timeout: must be a duration such as 30s, 500ms or 2m$/),
      '1 problem found; the proxy did not start',
    ])
  })

  it('names an unreachable PostgreSQL approval store in one line, non-zero exit', async () => {
    const store = `postgres://postgres@127.0.0.1:${await closedPort()}/warden`
    await writeFile(
      join(dir, 'approvals.yaml'),
      'upstreams: { x: { command: node } }\npolicies: policy.yaml\nallow_anonymous: true\n' +
        `listen: { port: 0 }\napprovals: { backend: builtin, store: "${store}" }\n`,
    )
    const run = warden(['proxy', '--config', 'approvals.yaml'], dir)
    expect(await run.exited).not.toBe(0)
    expect(lines(run)).toEqual([
      expect.stringMatching(
        /^warden proxy: cannot open the store postgres:.*\(ERR_STORE_UNAVAILABLE\)$/,
      ),
    ])

    const serve = warden(
      ['serve', '--port', '0', '--store', store, '--secret-key-file', join(dir, 'secret.key')],
      dir,
    )
    expect(await serve.exited).not.toBe(0)
    expect(lines(serve)).toEqual([
      expect.stringMatching(
        /^warden serve: cannot open the store postgres:.*\(ERR_STORE_UNAVAILABLE\)$/,
      ),
    ])
  })

  it('names a serve admin port in use in one line, non-zero exit', async () => {
    const serve = warden(
      [
        'serve',
        '--port',
        '0',
        '--store',
        `sqlite:${join(dir, 'warden.db')}`,
        '--secret-key-file',
        join(dir, 'secret.key'),
        '--admin',
        `127.0.0.1:${port}`,
      ],
      dir,
    )
    expect(await serve.exited).not.toBe(0)
    expect(lines(serve)).toEqual([
      `warden serve: admin port ${port} on 127.0.0.1 is in use (ERR_CONFIG_INVALID)`,
    ])
  })
})
