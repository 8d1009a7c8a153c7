import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../../fixtures/escalation/payments-upstream.js'
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../../store/postgres-database.js'
import { callTransfer, pendingId, textOf, transfer } from './escalation-harness.js'
import {
  enrolTotpApprover,
  requireBuild,
  startProxyProcess,
  startServe,
  type ProcessApprover,
  type ProxyProcess,
  type ServeProcess,
} from './escalation-processes-harness.js'

describePostgres('warden serve and two warden proxy processes on one PostgreSQL', () => {
  let db: TestDatabase | undefined
  let dir: string | undefined
  let upstream: PaymentsUpstream | undefined
  let serve: ServeProcess | undefined
  let a: ProxyProcess | undefined
  let b: ProxyProcess | undefined
  let approver: ProcessApprover

  beforeAll(async () => {
    requireBuild()
    db = await createTestDatabase()
    dir = await mkdtemp(join(tmpdir(), 'warden-escalation-processes-'))
    upstream = await startPaymentsUpstream()
    const secretKeyFile = join(dir, 'secret.key')
    serve = await startServe(db.url, secretKeyFile)
    const options = {
      upstream: upstream.url,
      store: db.url,
      publicUrl: serve.publicUrl,
      secretKeyFile,
    }
    a = await startProxyProcess(options)
    b = await startProxyProcess(options)
    approver = await enrolTotpApprover(serve)
  })
  afterAll(async () => {
    await Promise.all([a, b, serve].map((proc) => proc?.stop()))
    await upstream?.close()
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('resumes a call held on proxy A when the approver approves through warden serve', async () => {
    const args = { amount: 900, recipient: 'held-acme' }
    const call = callTransfer(await a!.client(), args)
    const returned = call.result.then((result) => ({ result, at: performance.now() }))
    const id = await call.approvalId
    const { sentAt, answeredAt } = await approver.approve(id)
    const { result, at } = await returned
    console.log(
      `escalation-processes: the held call returned ${(at - sentAt).toFixed(1)} ms after the ` +
        `approve request was sent, ${(at - answeredAt).toFixed(1)} ms after its answer`,
    )
    expect(result.isError, textOf(result)).toBeFalsy()
    expect(textOf(result)).toBe('sent 900 to held-acme')
    expect(upstream!.to('held-acme')).toEqual([args])
    expect(await (await approver.call(`/api/v1/inbox/${id}`)).json()).toMatchObject({
      status: 'executed',
      execution_result: 'succeeded',
      rule: 'held_transfers',
    })
  })

  it('runs an approval once when the identical retry reaches both proxies at the same time', async () => {
    const args = { amount: 250, recipient: 'race' }
    const id = pendingId(await transfer(await a!.client(), args))
    await approver.approve(id)
    // Sessions first (each with its own proxy's demo key), so both retries leave together.
    const [onA, onB] = await Promise.all([a!.client(), b!.client()]).then(([clientA, clientB]) =>
      Promise.all([transfer(clientA, args), transfer(clientB, args)]),
    )
    const ran = [onA, onB].filter((r) => !r.isError)
    expect(ran.map(textOf), `A: ${textOf(onA)}\nB: ${textOf(onB)}`).toEqual(['sent 250 to race'])
    const other = [onA, onB].find((r) => r.isError)!
    expect(textOf(other)).toMatch(/ERR_APPROVAL_ALREADY_EXECUTED|needs a human approval/)
    console.log(
      `escalation-processes: the retry ran on proxy ${ran[0] === onA ? 'A' : 'B'}; the other ` +
        `answered: ${textOf(other).split('\n')[0]}`,
    )
    expect(upstream!.to('race')).toEqual([args])
    expect(await (await approver.call(`/api/v1/inbox/${id}`)).json()).toMatchObject({
      status: 'executed',
      execution_result: 'succeeded',
      rule: 'big_transfers',
    })
  })
})
