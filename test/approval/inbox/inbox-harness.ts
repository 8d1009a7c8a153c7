import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Page } from 'playwright-core'
import type { JsonValue } from '../../../src/approval/approval-request.js'
import type { ApprovalView } from '../../../src/approval/approval-view.js'
import {
  startApprovalServer,
  type RunningApprovalServer,
} from '../../../src/approval/http/start-approval-server.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'

/**
 * The real approval server on 127.0.0.1 with a SQLite file, reached by the browser as
 * http://localhost:PORT (a secure context, RP ID "localhost"), an agent key, and a clock
 * the test moves (TOTP codes are single-use per 30 s step).
 */
export interface InboxHarness {
  url: string
  server: RunningApprovalServer
  clock: { now: number }
  createAction(body: Record<string, unknown>): Promise<ApprovalView>
  getAction(id: string): Promise<ApprovalView>
  /** The agent's long-poll: resolves when the request is decided or the timeout passes. */
  waitForAction(id: string, timeoutSeconds: number): Promise<ApprovalView>
  /** Rewrites the stored row behind the service's back, as an attacker with DB access would. */
  tamper(id: string, parameters: JsonValue, options?: { keepHash?: boolean }): void
  close(): Promise<void>
}

export async function startInboxHarness(): Promise<InboxHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-inbox-'))
  const dbFile = join(dir, 'warden.db')
  const clock = { now: Date.now() }
  const server = await startApprovalServer({
    store: dbFile,
    host: '127.0.0.1',
    port: 0,
    secretKeyFile: join(dir, 'secret.key'),
    now: () => clock.now,
    env: {},
  })
  const url = new URL(server.service.publicUrl).origin
  const { key } = await server.service.createApiKey({ name: 'billing', agent_id: 'billing-bot' })

  async function agentCall(path: string, init: RequestInit = {}): Promise<ApprovalView> {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    })
    const body = (await response.json()) as ApprovalView
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`)
    return body
  }

  return {
    url,
    server,
    clock,
    createAction: (body) => agentCall('/actions', { method: 'POST', body: JSON.stringify(body) }),
    getAction: (id) => agentCall(`/actions/${id}`),
    waitForAction: (id, timeoutSeconds) =>
      agentCall(`/actions/${id}/wait?timeout=${timeoutSeconds}`),
    tamper(id, parameters, options = {}) {
      const db = new Database(dbFile)
      try {
        const hash = options.keepHash ? undefined : canonicalDigest(parameters)
        db.prepare(
          'UPDATE approval_requests SET parameters = ?, content_hash = COALESCE(?, content_hash) WHERE id = ?',
        ).run(JSON.stringify(parameters), hash ?? null, id)
      } finally {
        db.close()
      }
    },
    async close() {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Creates an approver and follows their one-time link to register the page's passkey. */
export async function enrolPasskey(
  harness: InboxHarness,
  page: Page,
  name: string,
): Promise<string> {
  const { enrolment_url } = await harness.server.service.createApprover({ name })
  await page.goto(enrolment_url)
  await page.fill('#passkey-label', `${name}'s phone`)
  await page.click('#enrol-passkey')
  await page.waitForSelector('#enrol-done', { state: 'visible' })
  return page.url()
}

/** A purchase with nested parameters, as an agent would send it. */
export function purchase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action_type: 'purchase',
    title: 'Pay invoice 2026-114 to Acme GmbH',
    description: 'Quarterly hosting, due Friday.',
    amount: 1249.5,
    currency: 'EUR',
    recipient: 'Acme GmbH',
    parameters: {
      invoice: '2026-114',
      iban: 'DE89 3704 0044 0532 0130 00',
      amount: 1249.5,
      currency: 'EUR',
      lines: [
        { sku: 'HOST-XL', quantity: 3, unit_price: 399.5 },
        { sku: 'BACKUP', quantity: 1, unit_price: 51 },
      ],
    },
    ...overrides,
  }
}

export function noticeText(page: Page): Promise<string> {
  return page.locator('#notice').innerText()
}
