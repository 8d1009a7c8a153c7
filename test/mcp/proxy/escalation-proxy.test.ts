import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../../src/audit/audit-record.js'
import { verifyAuditLog } from '../../../src/audit/verify-audit-log.js'
import { startApprovalHarness, type ApprovalHarness } from '../../approval/http/approval-harness.js'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../../fixtures/escalation/payments-upstream.js'
import {
  callTransfer,
  closedPort,
  inboxDecider,
  pendingId,
  startEscalationProxy,
  textOf,
  transfer,
  type EscalationProxy,
} from './escalation-harness.js'

/** The variable the proxies read their `wk_…` key from (`approvals.api_key_env`). */
const KEY_ENV = 'WARDEN_ESCALATION_TEST_KEY'

describe('escalation end to end: SDK client → warden proxy → warden serve (HTTP, SQLite)', () => {
  let h: ApprovalHarness
  let decider: ReturnType<typeof inboxDecider>
  let upstream: PaymentsUpstream
  let blocking: EscalationProxy
  let returning: EscalationProxy
  let expiring: EscalationProxy
  let down: EscalationProxy

  beforeAll(async () => {
    h = await startApprovalHarness()
    decider = inboxDecider(h, await h.totpApprover('alice'))
    upstream = await startPaymentsUpstream()
    // startProxy reads `api_key_env` from process.env; it takes no env of its own.
    vi.stubEnv(KEY_ENV, await h.agentKey('payments-proxy'))
    const http = { backend: 'http', url: h.url, api_key_env: KEY_ENV, progress_interval: 0.2 }
    const start = (approvals: Record<string, unknown>, timeout?: string) =>
      startEscalationProxy({
        upstream: upstream.url,
        approvals: { ...http, ...approvals },
        ...(timeout ? { timeout } : {}),
      })
    blocking = await start({ wait: 'block' })
    returning = await start({ wait: 'return' })
    expiring = await start({ wait: 'block' }, '10s')
    down = await start({ wait: 'block', url: `http://127.0.0.1:${await closedPort()}` })
  })
  afterAll(async () => {
    for (const proxy of [blocking, returning, expiring, down]) await proxy?.close()
    await upstream?.close()
    await h?.close()
    vi.unstubAllEnvs()
  })

  it('holds the call until the approver approves with TOTP, then runs exactly it, once', async () => {
    const args = { amount: 250, recipient: 'acme' }
    const call = callTransfer(await blocking.client(), args)
    const id = await call.approvalId
    expect(upstream.to('acme')).toEqual([])
    await decider.decide(id)
    const result = await call.result
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('sent 250 to acme')
    expect(upstream.to('acme')).toEqual([args])
    const stored = await h.server.service.getRequest(id)
    expect(stored).toMatchObject({
      status: 'executed',
      execution_result: 'succeeded',
      method: 'totp',
      action_type: 'purchase',
      risk_level: 'high',
      amount: 250,
      currency: 'USD',
      recipient: 'acme',
      title: 'Transfer 250 to acme',
    })
    expect(stored.parameters).toMatchObject({
      server: 'payments',
      tool: 'transfer_funds',
      arguments: args,
      principal: { user_id: 'pat', roles: ['payer'] },
    })

    const records = (await readFile(blocking.auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord)
    const requested = records.find((r) => r.detail?.approval_id === id)!
    const chain = records.filter((r) => r.decision_id === requested.decision_id)
    expect(chain.map((r) => r.event)).toEqual([
      'decision',
      'approval_requested',
      'approval_resolved',
      'executed',
      'result',
    ])
    expect(chain[0]).toMatchObject({ effect: 'escalate', rule: 'big_transfers' })
    expect(chain.at(-1)).toMatchObject({ status: 'succeeded' })
  })

  it('does not run a call the approver denied, and tells the model why', async () => {
    const call = callTransfer(await blocking.client(), { amount: 500, recipient: 'mallory' })
    await decider.decide(await call.approvalId, 'deny', 'unknown recipient')
    const result = await call.result
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(
      /the approver denied this call: unknown recipient \(ERR_APPROVAL_DENIED, approval apr_/,
    )
    expect(upstream.to('mallory')).toEqual([])
  })

  it('withdraws the request when the client cancels the call, and runs nothing', async () => {
    const controller = new AbortController()
    const call = callTransfer(
      await blocking.client(),
      { amount: 300, recipient: 'initech' },
      controller.signal,
    )
    const id = await call.approvalId
    controller.abort()
    await expect(call.result).rejects.toThrow()
    await expect
      .poll(async () => (await h.server.service.getRequest(id)).status, { timeout: 5_000 })
      .toBe('denied')
    expect((await h.server.service.getRequest(id)).deny_reason).toBe('withdrawn')
    expect(upstream.to('initech')).toEqual([])
  })

  // A client whose process dies mid-wait sends neither notifications/cancelled nor DELETE.
  it('withdraws the request when the client drops its connection without cancelling', async () => {
    const client = await blocking.client()
    const call = callTransfer(client, { amount: 300, recipient: 'ghost' })
    const id = await call.approvalId
    call.result.catch(() => undefined)
    await client.close()
    await expect
      .poll(async () => (await h.server.service.getRequest(id)).status, { timeout: 5_000 })
      .toBe('denied')
    expect(upstream.to('ghost')).toEqual([])
  })

  it('refuses a call nobody approved before the approval block’s timeout', async () => {
    const call = callTransfer(await expiring.client(), { amount: 700, recipient: 'hooli' })
    const id = await call.approvalId
    h.clock.now += 11_000
    const result = await call.result
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/expired \(ERR_APPROVAL_EXPIRED, approval apr_/)
    expect((await h.server.service.getRequest(id)).status).toBe('expired')
    expect(upstream.to('hooli')).toEqual([])
  })

  it('in return mode: pending with id and URL; a tampered retry never runs; the identical retry runs once; a replay does not', async () => {
    const client = await returning.client()
    const args = { amount: 120, recipient: 'globex' }
    const call = (a: typeof args) => transfer(client, a)
    const first = await call(args)
    expect(first.isError).toBe(true)
    const id = pendingId(first)
    expect(textOf(first)).toContain(`Approver: ${h.server.service.publicUrl}/actions/${id}`)
    expect(textOf(first)).toMatch(/Fingerprint: [0-9A-F]{4} [0-9A-F]{4}/)
    expect(textOf(first)).toMatch(/make exactly the same call again/)

    const tampered = { ...args, recipient: 'globex-offshore' }
    const tamperedId = pendingId(await call(tampered))
    expect(tamperedId).not.toBe(id)
    await decider.decide(id)
    // After the approval, the tampered arguments still only find their own pending request.
    expect(pendingId(await call(tampered))).toBe(tamperedId)
    expect(upstream.to('globex-offshore')).toEqual([])

    // The identical retry from a new session (an agent that reconnected) runs, once.
    const retry = await transfer(await returning.client(), args)
    expect(retry.isError).toBeFalsy()
    expect(textOf(retry)).toBe('sent 120 to globex')
    expect(upstream.to('globex')).toEqual([args])

    const replay = await call(args)
    expect(pendingId(replay)).not.toBe(id)
    expect(upstream.to('globex')).toEqual([args])
    expect((await h.server.service.getRequest(id)).status).toBe('executed')
  })

  it('fails closed when the approval service is down: refused, nothing forwarded', async () => {
    const result = await transfer(await down.client(), { amount: 400, recipient: 'umbrella' })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/cannot be reached.*ERR_APPROVAL_BACKEND_UNAVAILABLE/)
    expect(upstream.to('umbrella')).toEqual([])
  })

  it('fails closed when the approval service goes away while a call waits', async () => {
    const doomed = await startApprovalHarness()
    vi.stubEnv(KEY_ENV, await doomed.agentKey('payments-proxy'))
    const proxy = await startEscalationProxy({
      upstream: upstream.url,
      approvals: { backend: 'http', url: doomed.url, api_key_env: KEY_ENV, progress_interval: 0.2 },
    })
    try {
      const call = callTransfer(await proxy.client(), { amount: 600, recipient: 'wayne' })
      await call.approvalId
      await doomed.close()
      const result = await call.result
      expect(result.isError).toBe(true)
      expect(textOf(result)).toMatch(/ERR_APPROVAL_BACKEND_UNAVAILABLE/)
      expect(upstream.to('wayne')).toEqual([])
    } finally {
      await proxy.close()
      await doomed.close().catch(() => undefined)
    }
  })

  it('lets a call the policy allows through without asking anyone', async () => {
    const result = await transfer(await blocking.client(), { amount: 40, recipient: 'cafe' })
    expect(textOf(result)).toBe('sent 40 to cafe')
  })

  it('leaves an intact hash chain in every proxy’s audit file (warden audit verify)', async () => {
    for (const proxy of [blocking, returning, expiring, down]) {
      const verification = await verifyAuditLog(proxy.auditFile)
      expect(verification, proxy.auditFile).toMatchObject({ ok: true })
      expect(verification.records).toBeGreaterThan(0)
    }
  })
})
