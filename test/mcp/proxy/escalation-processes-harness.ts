import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { generate } from 'otplib'
import { stringify } from 'yaml'
import { escalationPolicy, PAYER } from './escalation-harness.js'
import { httpClient } from './proxy-harness.js'

/** The CLI as shipped: `npm test` builds before vitest runs. */
export const DIST_MAIN = new URL('../../../dist/cli/main.js', import.meta.url).pathname

export function requireBuild(): void {
  if (!existsSync(DIST_MAIN)) {
    throw new Error(`${DIST_MAIN} is missing: run \`npm run build\` first (npm test does)`)
  }
}

/** A `warden` command running as its own OS process, with the stderr it has written so far. */
export interface WardenProcess {
  child: ChildProcess
  stderr(): string
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

const running = new Set<ChildProcess>()
// Last resort if the test process goes away before afterAll: leave no warden behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Spawns `node dist/cli/main.js …args` and resolves once its stderr matches `ready`. */
export async function spawnWarden(args: string[], ready: RegExp): Promise<WardenProcess> {
  // Only the flags and files given here configure the child, never the caller's WARDEN_* vars.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('WARDEN_')),
  )
  const child = spawn(process.execPath, [DIST_MAIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  })
  running.add(child)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  void exited.then(() => running.delete(child))
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const proc: WardenProcess = {
    child,
    stderr: () => stderr,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`warden ${args[0]} did not start in 30 s:\n${stderr}`)),
        30_000,
      )
      child.stderr!.on('data', () => {
        if (ready.test(stderr)) resolve(clearTimeout(timer))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`warden ${args[0]} exited (${code ?? signal}):\n${stderr}`))
      })
    })
  } catch (error) {
    await proc.stop()
    throw error
  }
  return proc
}

export interface ServeProcess extends WardenProcess {
  /** Where it listens (127.0.0.1). */
  url: string
  /** Its public URL: the Origin approvers' requests must carry. */
  publicUrl: string
  /** The one-time enrolment link it printed for the first approver. */
  enrolment: string
}

/** `warden serve --store STORE --port 0 --secret-key-file KEY`. */
export async function startServe(store: string, secretKeyFile: string): Promise<ServeProcess> {
  const args = ['serve', '--store', store, '--port', '0', '--secret-key-file', secretKeyFile]
  const proc = await spawnWarden(args, /\/enrol#\S+\n/)
  const enrolment = /(http\S+\/enrol#\S+)/.exec(proc.stderr())![1]!
  return {
    ...proc,
    url: /listening on (\S+)/.exec(proc.stderr())![1]!,
    publicUrl: new URL(enrolment).origin,
    enrolment,
  }
}

export interface ProxyProcess extends WardenProcess {
  /** The MCP endpoint it printed. */
  url: string
  /** The demo API key it printed for the payer (each process makes its own). */
  key: string
  /** A new Streamable HTTP session as the payer. */
  client(): Promise<Client>
}

export interface ProxyProcessOptions {
  upstream: string
  store: string
  publicUrl: string
  secretKeyFile: string
}

/**
 * The escalation policy, plus `held_transfers`: the same escalation for recipients named
 * `held-…`, but held open (`wait: block`) while the proxy's own mode is `wait: return`.
 */
export function processesPolicy(): string {
  return `${escalationPolicy('5m')}  - name: held_transfers
    effect: escalate
    priority: 200
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [call]
    conditions:
      - { field: tool.args.amount, operator: gt, value: 100 }
      - { field: tool.args.recipient, operator: starts_with, value: held- }
    approval:
      action_type: purchase
      risk_level: high
      amount: tool.args.amount
      currency: USD
      recipient: tool.args.recipient
      title: "Transfer {tool.args.amount} to {tool.args.recipient}"
      timeout: 5m
      wait: block
`
}

/** `warden proxy --config DIR/warden.yaml`: HTTP on a free port, demo key for the payer. */
export async function startProxyProcess(options: ProxyProcessOptions): Promise<ProxyProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-escalation-proc-'))
  await writeFile(join(dir, 'policy.yaml'), processesPolicy())
  const config = {
    listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
    upstreams: { payments: { url: options.upstream } },
    policies: './policy.yaml',
    demo_keys: [PAYER],
    audit: { file: './audit.jsonl' },
    approvals: {
      backend: 'builtin',
      store: options.store,
      public_url: options.publicUrl,
      secret_key_file: options.secretKeyFile,
      wait: 'return',
      // Longer than the test timeout: a held call that resumes was woken by NOTIFY.
      progress_interval: 60,
    },
  }
  const file = join(dir, 'warden.yaml')
  await writeFile(file, stringify(config))
  const keyLine = new RegExp(`^\\s+${PAYER.user_id}\\s+(wk_\\S+)\\s+roles: payer$`, 'm')
  const proc = await spawnWarden(['proxy', '--config', file], keyLine)
  const url = /listening on (\S+?);/.exec(proc.stderr())?.[1]
  if (!url) {
    await proc.stop()
    throw new Error(`no listening URL in the proxy's stderr:\n${proc.stderr()}`)
  }
  const key = keyLine.exec(proc.stderr())![1]!
  const clients: Client[] = []
  return {
    ...proc,
    url,
    key,
    async client() {
      const client = await httpClient(url, { 'x-api-key': key })
      clients.push(client)
      return client
    },
    async stop(graceMs) {
      for (const client of clients) await client.close().catch(() => undefined)
      await proc.stop(graceMs)
    },
  }
}

/** An approver signed in to `warden serve` (session cookie), approving with TOTP codes. */
export interface ProcessApprover {
  call(path: string, body?: unknown): Promise<Response>
  /** Reads the request as the inbox shows it, then approves with that hash and a fresh code. */
  approve(id: string): Promise<{ response: Response; sentAt: number; answeredAt: number }>
}

/**
 * Enrols through serve's one-time link with TOTP. Each time step works once per approver and
 * only a later one after it, so every code uses the next step the ±1-step window accepts.
 */
export async function enrolTotpApprover(serve: ServeProcess): Promise<ProcessApprover> {
  const origin = serve.publicUrl
  const token = new URL(serve.enrolment).hash.slice(1)
  let cookie = ''
  let lastStep = -Infinity
  const post = (path: string, body: unknown) =>
    fetch(`${serve.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    })
  const setup = await post('/api/v1/enrol/totp/setup', { token })
  if (setup.status !== 200) throw new Error(`TOTP setup: ${await setup.text()}`)
  const { provisioning_uri } = (await setup.json()) as { provisioning_uri: string }
  const secret = new URL(provisioning_uri).searchParams.get('secret')!

  async function nextCode(): Promise<string> {
    const now = Date.now()
    const current = Math.floor(now / 30_000)
    // The previous step is still accepted, unless the step changes before the server checks.
    const nearEdge = (current + 1) * 30_000 - now < 3_000
    const step = Math.max(lastStep + 1, nearEdge ? current : current - 1)
    if (step > current + 1) {
      await new Promise((done) => setTimeout(done, (step - 1) * 30_000 - now + 100))
    }
    lastStep = step
    return generate({ secret, epoch: step * 30 })
  }

  const enrolled = await post('/api/v1/enrol/totp', { token, code: await nextCode() })
  if (enrolled.status !== 200) throw new Error(`TOTP enrolment: ${await enrolled.text()}`)
  cookie = enrolled.headers.get('set-cookie')!.split(';')[0]!
  const call = (path: string, body?: unknown) =>
    body === undefined
      ? fetch(`${serve.url}${path}`, { headers: { origin, cookie } })
      : post(path, body)
  return {
    call,
    async approve(id) {
      const shown = await call(`/api/v1/inbox/${id}`)
      if (shown.status !== 200) throw new Error(`inbox ${id}: ${await shown.text()}`)
      const { content_hash } = (await shown.json()) as { content_hash: string }
      const totp = await nextCode()
      const sentAt = performance.now()
      const response = await call(`/api/v1/inbox/${id}/approve`, { totp, content_hash })
      const answeredAt = performance.now()
      if (response.status !== 200) {
        throw new Error(`approve ${id}: HTTP ${response.status} ${await response.text()}`)
      }
      return { response, sentAt, answeredAt }
    },
  }
}
