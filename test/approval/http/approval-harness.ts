import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'otplib'
import {
  startApprovalServer,
  type ApprovalServerOptions,
  type RunningApprovalServer,
} from '../../../src/approval/http/start-approval-server.js'

/** A real approval server on 127.0.0.1 over a fresh SQLite file, with a movable clock. */
export interface ApprovalHarness {
  server: RunningApprovalServer
  url: string
  /** The service's clock (epoch ms); tests move it instead of sleeping. */
  clock: { now: number }
  agentKey(name?: string, roles?: string[]): Promise<string>
  /** An approver enrolled with TOTP through the HTTP enrolment API, signed in. */
  totpApprover(name: string, role?: 'admin' | 'approver'): Promise<TotpApprover>
  agent(key: string): (path: string, init?: RequestInit) => Promise<Response>
  close(): Promise<void>
}

export interface TotpApprover {
  name: string
  secret: string
  cookie: string
  /** The code for the clock's current time step. */
  code(): Promise<string>
  call(path: string, body?: unknown, method?: string): Promise<Response>
}

export async function startApprovalHarness(
  options: Partial<ApprovalServerOptions> = {},
): Promise<ApprovalHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-approvals-'))
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') }
  const server = await startApprovalServer({
    store: `sqlite:${join(dir, 'warden.db')}`,
    secretKeyFile: join(dir, 'secret.key'),
    port: 0,
    now: () => clock.now,
    env: {},
    ...options,
  })
  const origin = server.service.publicUrl
  const url = server.url
  const code = (secret: string) => generate({ secret, epoch: Math.floor(clock.now / 1000) })

  return {
    server,
    url,
    clock,
    async agentKey(name = 'agent-1', roles = []) {
      return (await server.service.createApiKey({ name, roles })).key
    },
    async totpApprover(name, role = 'approver') {
      const { token } = await server.service.createApprover({ name, role })
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify(body),
        })
      const setup = (await (await post('/api/v1/enrol/totp/setup', { token })).json()) as {
        provisioning_uri: string
      }
      const secret = new URL(setup.provisioning_uri).searchParams.get('secret')!
      const enrolled = await post('/api/v1/enrol/totp', { token, code: await code(secret) })
      if (enrolled.status !== 200) throw new Error(`enrolment failed: ${await enrolled.text()}`)
      const cookie = enrolled.headers.get('set-cookie')!.split(';')[0]!
      clock.now += 30_000
      return {
        name,
        secret,
        cookie,
        code: () => code(secret),
        call: (path, body, method = body === undefined ? 'GET' : 'POST') =>
          fetch(`${url}${path}`, {
            method,
            headers: { 'content-type': 'application/json', origin, cookie },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
      }
    },
    agent(key) {
      return (path, init = {}) =>
        fetch(`${url}/api/v1${path}`, {
          ...init,
          headers: { 'content-type': 'application/json', 'x-api-key': key, ...init.headers },
        })
    },
    async close() {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
