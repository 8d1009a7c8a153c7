import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { startApprovalHarness, type ApprovalHarness } from '../../approval/http/approval-harness.js'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../../fixtures/escalation/payments-upstream.js'
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../store/postgres-database.js'
import {
  callTransfer,
  inboxDecider,
  pendingId,
  startEscalationProxy,
  textOf,
  transfer,
  type EscalationProxy,
} from './escalation-harness.js'

describePostgres('escalation across warden proxies and warden serve on one PostgreSQL', () => {
  let db: TestDatabase
  let dir: string
  let h: ApprovalHarness
  let decider: ReturnType<typeof inboxDecider>
  let upstream: PaymentsUpstream
  /** `wait: block`: the call waits on this proxy while the approver uses `warden serve`. */
  let blocking: EscalationProxy
  /** `wait: return`: proxies A and B, each its own store connection and LISTEN. */
  let a: EscalationProxy
  let b: EscalationProxy

  beforeAll(async () => {
    // The proxies must seal with the server's key file, not with a key from the environment.
    vi.stubEnv('WARDEN_SECRET_KEY', '')
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'warden-escalation-pg-'))
    const secretKeyFile = join(dir, 'secret.key')
    h = await startApprovalHarness({ store: db.url, secretKeyFile })
    // The proxies' services run on the real clock; the server's starts there and moves on.
    h.clock.now = Date.now()
    decider = inboxDecider(h, await h.totpApprover('alice'))
    upstream = await startPaymentsUpstream()
    const start = (wait: 'block' | 'return') =>
      startEscalationProxy({
        upstream: upstream.url,
        // One hour: every TOTP decision moves the server's clock 30 s ahead of the proxies'.
        timeout: '1h',
        approvals: {
          backend: 'builtin',
          store: db.url,
          public_url: h.server.service.publicUrl,
          secret_key_file: secretKeyFile,
          wait,
          // Longer than the test timeout: a call that resumes was woken by NOTIFY, not a timer.
          progress_interval: 60,
        },
      })
    blocking = await start('block')
    a = await start('return')
    b = await start('return')
  })
  afterAll(async () => {
    for (const proxy of [blocking, a, b]) await proxy?.close()
    await upstream?.close()
    await h?.close()
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
    vi.unstubAllEnvs()
  })

  it('wakes a call waiting on a proxy when the approver approves through warden serve', async () => {
    const args = { amount: 900, recipient: 'acme' }
    const call = callTransfer(await blocking.client(), args)
    const id = await call.approvalId
    const approve = await decider.prepare(id)
    const started = performance.now()
    await approve()
    const result = await call.result
    console.log(
      `escalation-postgres: the waiting call returned ${(performance.now() - started).toFixed(1)} ms after the approve request was sent`,
    )
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('sent 900 to acme')
    expect(upstream.to('acme')).toEqual([args])
    expect(await h.server.service.getRequest(id)).toMatchObject({
      status: 'executed',
      execution_result: 'succeeded',
      rule: 'big_transfers',
    })
  })

  it('runs an approval once when the identical retry reaches both proxies at the same time', async () => {
    for (const [round, creator] of [a, b, a, b].entries()) {
      const args = { amount: 150 + round, recipient: `race-${round}` }
      const id = pendingId(await transfer(await creator.client(), args))
      await decider.decide(id)
      // Sessions first, so both retries leave together and race for the one claim.
      const [clientA, clientB] = await Promise.all([a.client(), b.client()])
      const [onA, onB] = await Promise.all([transfer(clientA, args), transfer(clientB, args)])
      const ran = [onA, onB].filter((r) => !r.isError)
      expect(ran.map(textOf), `round ${round}`).toEqual([`sent ${args.amount} to race-${round}`])
      const other = [onA, onB].find((r) => r.isError)!
      expect(textOf(other)).toMatch(/ERR_APPROVAL_ALREADY_EXECUTED|needs a human approval/)
      expect(upstream.to(`race-${round}`)).toEqual([args])
      expect((await h.server.service.getRequest(id)).status).toBe('executed')
    }
  })

  it('lets the retry reach another proxy than the one that asked', async () => {
    const args = { amount: 480, recipient: 'globex' }
    const id = pendingId(await transfer(await b.client(), args))
    // Before the approval, A finds B's pending request instead of asking again.
    expect(pendingId(await transfer(await a.client(), args))).toBe(id)
    await decider.decide(id)
    expect(textOf(await transfer(await a.client(), args))).toBe('sent 480 to globex')
    expect(upstream.to('globex')).toEqual([args])
    // B still remembers its request: the replay there is refused as used (no new request).
    const again = await transfer(await b.client(), args)
    expect(again.isError).toBe(true)
    expect(textOf(again)).toMatch(/already used \(ERR_APPROVAL_ALREADY_EXECUTED, approval apr_/)
    expect(upstream.to('globex')).toEqual([args])
  })
})
