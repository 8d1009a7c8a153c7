import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  ApprovalBackend,
  BackendApproval,
} from '../../../src/approval/backend/approval-backend.js'
import { createBuiltinApprovalBackend } from '../../../src/approval/backend/builtin-approval-backend.js'
import { createHttpApprovalBackend } from '../../../src/approval/backend/http-approval-backend.js'
import {
  startApprovalServer,
  type RunningApprovalServer,
} from '../../../src/approval/http/start-approval-server.js'
import { startApprovalHarness, type ApprovalHarness } from '../../approval/http/approval-harness.js'
import { startSynauthServer } from '../../fixtures/synauth/synauth-server.js'
import { createTestDatabase } from '../../store/postgres-database.js'

/**
 * One way of waiting for an approval. `approver(approval)` prepares the approver's action and
 * returns it: calling that starts the action the latency is measured from. `backend()` gives
 * each round its own agent (the service allows an agent 120 new requests a minute).
 */
export interface LatencyTarget {
  name: string
  backend(): Promise<ApprovalBackend>
  approver(approval: BackendApproval): Promise<() => Promise<void>>
  close(): Promise<void>
}

/** An approver signed in to `harness`'s inbox: approves with TOTP over the HTTP API. */
async function inboxApprover(harness: ApprovalHarness) {
  const person = await harness.totpApprover(`approver-${randomBytes(3).toString('hex')}`)
  return async (approval: BackendApproval) => {
    // Each TOTP step works once; the code is made before the clock starts.
    harness.clock.now += 30_000
    const totp = await person.code()
    return async () => {
      const response = await person.call(`/api/v1/inbox/${approval.id}/approve`, {
        totp,
        content_hash: approval.content_hash,
      })
      if (response.status !== 200) throw new Error(`approve failed: ${await response.text()}`)
    }
  }
}

/** warden serve on SQLite, the waiting call in the same process (the middleware's case). */
export async function sqliteOneInstance(
  kind: 'builtin' | 'http',
  harness?: ApprovalHarness,
): Promise<LatencyTarget> {
  const h = harness ?? (await startApprovalHarness())
  return {
    name: `${kind} · SQLite · one instance`,
    backend: () => backendOn(kind, h, h.server),
    approver: await inboxApprover(h),
    close: () => (harness ? Promise.resolve() : h.close()),
  }
}

/** Two instances on one PostgreSQL database: the call waits on B, the approver uses A. */
export async function postgresInstances(
  kind: 'builtin' | 'http',
  instances: 1 | 2,
): Promise<LatencyTarget> {
  const db = await createTestDatabase()
  const dir = await mkdtemp(join(tmpdir(), 'warden-bench-approvals-'))
  const env = { WARDEN_SECRET_KEY: randomBytes(32).toString('base64') }
  const a = await startApprovalHarness({ store: db.url, env })
  const b =
    instances === 2
      ? await startApprovalServer({
          store: db.url,
          port: 0,
          env,
          secretKeyFile: join(dir, 'unused.key'),
          now: () => a.clock.now,
        })
      : undefined
  const where = instances === 2 ? 'two instances (wait on B, approve on A)' : 'one instance'
  return {
    name: `${kind} · PostgreSQL · ${where}`,
    backend: () => backendOn(kind, a, b ?? a.server),
    approver: await inboxApprover(a),
    async close() {
      await b?.close()
      await a.close()
      await db.drop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The SynAuth flavor against the local SynAuth API; its approver acts in the fixture. */
export async function synauthPolling(pollIntervalMs: number): Promise<LatencyTarget> {
  const server = await startSynauthServer()
  return {
    name: `synauth · polls every ${pollIntervalMs / 1000} s · local SynAuth API`,
    backend: async () =>
      createHttpApprovalBackend({
        flavor: 'synauth',
        baseUrl: server.url,
        apiKey: server.apiKey,
        pollIntervalMs,
      }),
    approver: async (approval) => async () => server.approve(approval.id),
    close: () => server.close(),
  }
}

async function backendOn(
  kind: 'builtin' | 'http',
  harness: ApprovalHarness,
  server: RunningApprovalServer,
): Promise<ApprovalBackend> {
  if (kind === 'builtin') return createBuiltinApprovalBackend(server.service)
  return createHttpApprovalBackend({
    flavor: 'warden',
    baseUrl: server.url,
    apiKey: await harness.agentKey(`bench-${randomBytes(3).toString('hex')}`),
  })
}
