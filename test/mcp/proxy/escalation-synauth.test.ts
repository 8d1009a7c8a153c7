import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../../fixtures/escalation/payments-upstream.js'
import { startSynauthServer, type SynauthServer } from '../../fixtures/synauth/synauth-server.js'
import {
  callTransfer,
  pendingId,
  startEscalationProxy,
  textOf,
  transfer,
  type EscalationProxy,
} from './escalation-harness.js'

const KEY_ENV = 'WARDEN_ESCALATION_TEST_SYNAUTH_KEY'

describe('escalation end to end: SDK client → warden proxy → SynAuth’s agent API', () => {
  let synauth: SynauthServer
  let upstream: PaymentsUpstream
  let blocking: EscalationProxy
  let returning: EscalationProxy

  beforeAll(async () => {
    synauth = await startSynauthServer()
    upstream = await startPaymentsUpstream()
    vi.stubEnv(KEY_ENV, synauth.apiKey)
    const approvals = {
      backend: 'synauth',
      url: synauth.url,
      api_key_env: KEY_ENV,
      poll_interval: 0.05,
      progress_interval: 0.2,
    }
    blocking = await startEscalationProxy({
      upstream: upstream.url,
      approvals: { ...approvals, wait: 'block' },
    })
    returning = await startEscalationProxy({
      upstream: upstream.url,
      approvals: { ...approvals, wait: 'return' },
    })
  })
  afterAll(async () => {
    for (const proxy of [blocking, returning]) await proxy?.close()
    await upstream?.close()
    await synauth?.close()
    vi.unstubAllEnvs()
  })

  it('runs the call once the app approves it, with the parameters in the description', async () => {
    const args = { amount: 250, recipient: 'acme' }
    const call = callTransfer(await blocking.client(), args)
    const id = await call.approvalId
    const action = synauth.actions.get(id)!
    expect(action).toMatchObject({ title: 'Transfer 250 to acme', amount: 250 })
    expect(action.description).toContain('"arguments":{"amount":250,"recipient":"acme"}')
    synauth.approve(id)
    const result = await call.result
    expect(textOf(result)).toBe('sent 250 to acme')
    expect(upstream.to('acme')).toEqual([args])
  })

  it('passes on the reason of a denial and runs nothing', async () => {
    const call = callTransfer(await blocking.client(), { amount: 500, recipient: 'mallory' })
    synauth.deny(await call.approvalId, 'not this one')
    const result = await call.result
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/denied this call: not this one \(ERR_APPROVAL_DENIED/)
    expect(upstream.to('mallory')).toEqual([])
  })

  it('in return mode runs the identical retry once (the proxy keeps the once-only set)', async () => {
    const client = await returning.client()
    const args = { amount: 120, recipient: 'globex' }
    const id = pendingId(await transfer(client, args))
    const tamperedId = pendingId(await transfer(client, { ...args, amount: 121 }))
    expect(tamperedId).not.toBe(id)
    synauth.approve(id)
    expect(textOf(await transfer(client, args))).toBe('sent 120 to globex')
    const replay = await transfer(client, args)
    expect(replay.isError).toBe(true)
    expect(upstream.to('globex')).toEqual([args])
  })
})
