import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { BackendApproval } from '../../../src/approval/backend/approval-backend.js'
import { createBuiltinApprovalBackend } from '../../../src/approval/backend/builtin-approval-backend.js'
import { createHttpApprovalBackend } from '../../../src/approval/backend/http-approval-backend.js'
import {
  startApprovalServer,
  type RunningApprovalServer,
} from '../../../src/approval/http/start-approval-server.js'
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../store/postgres-database.js'
import { startApprovalHarness, type ApprovalHarness } from '../http/approval-harness.js'
import { approvalBackendContract, transferEscalation, type BackendSubject } from './contract.js'
import { inboxApprover } from './service-subjects.js'

/**
 * Two service instances on one PostgreSQL database, as two proxies (or a proxy and
 * `warden serve`) run them: A serves the approver, B holds the waiting call.
 */
interface TwoInstances {
  db: TestDatabase
  a: ApprovalHarness
  b: RunningApprovalServer
  dir: string
  close(): Promise<void>
}

async function startTwoInstances(): Promise<TwoInstances> {
  const db = await createTestDatabase()
  const dir = await mkdtemp(join(tmpdir(), 'warden-two-instances-'))
  const env = { WARDEN_SECRET_KEY: randomBytes(32).toString('base64') }
  const a = await startApprovalHarness({ store: db.url, env })
  const b = await startApprovalServer({
    store: db.url,
    port: 0,
    env,
    secretKeyFile: join(dir, 'unused.key'),
    now: () => a.clock.now,
  })
  return {
    db,
    a,
    b,
    dir,
    async close() {
      await b.close()
      await a.close()
      await db.drop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

describePostgres('approval backends on two instances sharing PostgreSQL', () => {
  approvalBackendContract('builtin on instance B, approved on instance A', async () => {
    const two = await startTwoInstances()
    const approver = inboxApprover(two.a, await two.a.totpApprover('ada'))
    const subject: BackendSubject = {
      backend: createBuiltinApprovalBackend(two.b.service),
      ...approver,
      async unreachable() {
        const db = await createTestDatabase()
        const server = await startApprovalServer({
          store: db.url,
          port: 0,
          env: { WARDEN_SECRET_KEY: randomBytes(32).toString('base64') },
          secretKeyFile: join(two.dir, 'doomed.key'),
        })
        const backend = createBuiltinApprovalBackend(server.service, {
          onClose: () => server.close().catch(() => undefined),
        })
        const approval = await backend.create(transferEscalation())
        await db.drop()
        return { backend, approval }
      },
      close: () => two.close(),
    }
    return subject
  })

  let two: TwoInstances
  let approver: ReturnType<typeof inboxApprover>
  beforeAll(async () => {
    two = await startTwoInstances()
    approver = inboxApprover(two.a, await two.a.totpApprover('grace'))
  })
  afterAll(async () => {
    await two?.close()
  })

  it('wakes a long-poll on instance B when the approver approves on instance A', async () => {
    const onB = createHttpApprovalBackend({
      flavor: 'warden',
      baseUrl: two.b.url,
      apiKey: await two.a.agentKey('proxy-b'),
    })
    const approval = await onB.create(transferEscalation())
    const waiting = onB.wait(approval.id, 20_000)
    await approver.approve(approval)
    expect((await waiting).status).toBe('approved')
  })

  it('runs an approval once when the same retry reaches both instances', async () => {
    const onA = createBuiltinApprovalBackend(two.a.server.service)
    const onB = createBuiltinApprovalBackend(two.b.service)
    const approval: BackendApproval = await onA.create(transferEscalation())
    await approver.approve(approval)
    const claims = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? onA : onB).claim(approval.id, approval.content_hash),
      ),
    )
    expect(claims.filter((claim) => claim.status === 'fulfilled')).toHaveLength(1)
    const codes = claims.flatMap((claim) =>
      claim.status === 'rejected' ? [(claim.reason as { code: string }).code] : [],
    )
    expect(new Set(codes)).toEqual(new Set(['ERR_APPROVAL_ALREADY_EXECUTED']))
  })
})
