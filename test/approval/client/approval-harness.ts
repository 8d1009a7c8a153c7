import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'otplib'
import type { ApprovalView } from '../../../src/approval/approval-view.js'
import {
  startApprovalServer,
  type RunningApprovalServer,
} from '../../../src/approval/http/start-approval-server.js'
import { parseApprovalRules } from '../../../src/approval/rules/parse-approval-rules.js'

/** A monday morning; the service's clock is this plus whatever a test advances. */
export const START = Date.parse('2026-03-02T09:00:00Z')
const TOTP_STEP_MS = 30_000

/** Purchases of at most 5 by any agent are approved without a human. */
const RULES = `kind: approval-rules
rules:
  - name: petty-cash
    effect: auto_approve
    action_types: [purchase]
    max_amount: 5
`

/** A real approval service on 127.0.0.1 (SQLite in a temp dir) with one TOTP approver. */
export interface ApprovalHarness {
  url: string
  server: RunningApprovalServer
  /** An agent key `wk_…` for agent `sdk-agent`. */
  apiKey: string
  approverId: string
  /** Moves the service's clock. */
  advance(ms: number): void
  /** Another agent's key. */
  newAgentKey(name: string, roles?: string[]): Promise<string>
  /** Approves as the inbox does: TOTP code at the next time step, hash as shown. */
  approve(id: string): Promise<ApprovalView>
  deny(id: string, reason: string): Promise<ApprovalView>
  close(): Promise<void>
}

export async function startApprovalHarness(): Promise<ApprovalHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-sdk-'))
  let clock = START
  const server = await startApprovalServer({
    store: `sqlite:${join(dir, 'warden.db')}`,
    port: 0,
    secretKeyFile: join(dir, 'secret.key'),
    rules: parseApprovalRules(RULES, 'rules.yaml'),
    now: () => clock,
    env: {},
  })
  const origin = new URL(server.service.publicUrl).origin
  const { key: apiKey } = await server.service.createApiKey({ name: 'sdk-agent' })
  const created = await server.service.createApprover({ name: 'ada' })

  const post = async (path: string, body: unknown, cookie?: string): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin,
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    })
  const json = async <T>(response: Response): Promise<T> => {
    const body = (await response.json()) as T
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`)
    return body
  }
  // A fresh time step for each code: the service accepts each step once per approver.
  const nextCode = async (): Promise<string> => {
    clock += TOTP_STEP_MS
    return generate({ secret, epoch: Math.floor(clock / 1000) })
  }

  const setup = await json<{ provisioning_uri: string }>(
    await post('/api/v1/enrol/totp/setup', { token: created.token }),
  )
  const secret = new URL(setup.provisioning_uri).searchParams.get('secret') ?? ''
  const enrolled = await post('/api/v1/enrol/totp', {
    token: created.token,
    code: await nextCode(),
  })
  await json(enrolled)
  const cookie = (enrolled.headers.get('set-cookie') ?? '').split(';')[0] ?? ''

  const decide = async (id: string, decision: 'approve' | 'deny', reason?: string) => {
    const shown = await json<ApprovalView>(
      await fetch(`${server.url}/api/v1/inbox/${id}`, { headers: { cookie } }),
    )
    const body = { totp: await nextCode(), content_hash: shown.content_hash, reason }
    return json<ApprovalView>(await post(`/api/v1/inbox/${id}/${decision}`, body, cookie))
  }

  return {
    url: server.url,
    server,
    apiKey,
    approverId: created.approver.id,
    advance: (ms) => {
      clock += ms
    },
    newAgentKey: async (name, roles) =>
      (await server.service.createApiKey({ name, ...(roles ? { roles } : {}) })).key,
    approve: (id) => decide(id, 'approve'),
    deny: (id, reason) => decide(id, 'deny', reason),
    async close() {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
