import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
  WardenApiError,
  WardenClient,
  computeContentHash,
  fingerprint,
  verifyAction,
} from '../../../src/approval/client/index.js'
import { startApprovalHarness, type ApprovalHarness } from './approval-harness.js'

describe('WardenClient against a real approval service', () => {
  let harness: ApprovalHarness
  let client: WardenClient
  beforeAll(async () => {
    harness = await startApprovalHarness()
    client = new WardenClient({ apiKey: harness.apiKey, baseUrl: harness.url })
  })
  afterAll(() => harness.close())

  const transfer = { to: 'DE89 3704 0044 0532 0130 00', amount: 250, currency: 'EUR' }

  it('creates a pending request whose hash and fingerprint the agent can recompute', async () => {
    const view = await client.requestAction({
      action_type: 'purchase',
      title: 'Pay the March invoice',
      amount: 250,
      currency: 'EUR',
      parameters: transfer,
    })
    expect(view.status).toBe('pending')
    expect(view.id).toMatch(/^apr_/)
    expect(view.content_hash).toBe(computeContentHash(transfer))
    expect(view.fingerprint).toBe(fingerprint(computeContentHash(transfer)))
    expect(view.approval_url).toBe(`${harness.server.service.publicUrl}/actions/${view.id}`)
    expect(verifyAction(view, transfer)).toBe(view)
    expect(view).not.toHaveProperty('evidence')
  })

  it('waits through the long-poll and returns the approved view with who approved and how', async () => {
    const view = await client.requestAction({
      action_type: 'communication',
      title: 'Send the Q4 report',
      parameters: { to: 'investors@acme.com', subject: 'Q4' },
    })
    const waiting = client.waitForResult(view.id, { timeoutMs: 60_000, pollSeconds: 20 })
    await harness.approve(view.id)
    const approved = await waiting
    expect(approved.status).toBe('approved')
    expect(approved.resolved_by).toBe(harness.approverId)
    expect(approved.method).toBe('totp')
    expect(approved.fingerprint).toBe(view.fingerprint)
  })

  it('returns at once for a request an auto-rule approved', async () => {
    const view = await client.requestPurchase({ amount: 3, merchant: 'Coffee Co', currency: 'EUR' })
    expect(view.status).toBe('approved')
    expect(view.method).toBe('rule')
    expect(view.resolved_by).toBe('rule:petty-cash')
    expect((await client.waitForResult(view.id, { timeoutMs: 0 })).status).toBe('approved')
  })

  it('throws ActionDeniedError with the approver’s reason', async () => {
    const view = await client.requestAction({ action_type: 'social', title: 'Tweet the launch' })
    await harness.deny(view.id, 'not before Monday')
    const error = await client
      .waitForResult(view.id, { timeoutMs: 10_000 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionDeniedError)
    expect(error).toMatchObject({
      code: 'ERR_APPROVAL_DENIED',
      requestId: view.id,
      reason: 'not before Monday',
    })
    expect((error as ActionDeniedError).view.resolved_by).toBe(harness.approverId)
  })

  it('throws ActionExpiredError once the request has expired', async () => {
    const view = await client.requestAction({
      action_type: 'scheduling',
      title: 'Book the room',
      expires_in: 10,
    })
    harness.advance(11_000)
    const error = await client
      .waitForResult(view.id, { timeoutMs: 10_000 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ActionExpiredError)
    expect(error).toMatchObject({ code: 'ERR_APPROVAL_EXPIRED', requestId: view.id })
  })

  it('throws ActionTimeoutError when its own timeout passes while still pending', async () => {
    const view = await client.requestAction({ action_type: 'system', title: 'Restart the API' })
    const checkOnce = await client.waitForResult(view.id, { timeoutMs: 0 }).catch((e: unknown) => e)
    expect(checkOnce).toBeInstanceOf(ActionTimeoutError)
    expect(checkOnce).toMatchObject({ code: 'ERR_APPROVAL_NOT_APPROVED', requestId: view.id })
    const pending: string[] = []
    const polled = await client
      .waitForResult(view.id, {
        timeoutMs: 1_500,
        pollSeconds: 1,
        onPending: (v) => void pending.push(v.status),
      })
      .catch((e: unknown) => e)
    expect(polled).toBeInstanceOf(ActionTimeoutError)
    expect((polled as ActionTimeoutError).view.status).toBe('pending')
    expect(pending).toEqual(['pending'])
  })

  it('cancels a pending request: it becomes denied with reason withdrawn', async () => {
    const view = await client.requestAction({ action_type: 'data_access', title: 'Export users' })
    const cancelled = await client.cancel(view.id)
    expect(cancelled).toMatchObject({ status: 'denied', deny_reason: 'withdrawn' })
    await expect(client.waitForResult(view.id, { timeoutMs: 0 })).rejects.toMatchObject({
      reason: 'withdrawn',
    })
    await expect(client.cancel(view.id)).rejects.toMatchObject({
      status: 409,
      code: 'ERR_APPROVAL_ALREADY_RESOLVED',
    })
  })

  it('claims an approval once, only for the approved hash, and records the result', async () => {
    const view = await client.requestAction({
      action_type: 'purchase',
      title: 'Buy droplets',
      amount: 40,
      currency: 'USD',
      parameters: { merchant: 'DigitalOcean', amount: 40 },
    })
    await harness.approve(view.id)
    const other = computeContentHash({ merchant: 'DigitalOcean', amount: 4000 })
    await expect(client.claim(view.id, other)).rejects.toMatchObject({
      status: 409,
      code: 'ERR_APPROVAL_HASH_MISMATCH',
    })
    const claimed = await client.claim(view.id, view.content_hash)
    expect(claimed.status).toBe('executed')
    expect(claimed.executed_at).toBeDefined()
    const again = await client.claim(view.id, view.content_hash).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(WardenApiError)
    expect(again).toMatchObject({ status: 409, code: 'ERR_APPROVAL_ALREADY_EXECUTED' })
    const reported = await client.reportResult(view.id, 'succeeded')
    expect(reported.execution_result).toBe('succeeded')
  })

  it('claims nothing that is still pending', async () => {
    const view = await client.requestAction({ action_type: 'legal', title: 'Sign the NDA' })
    await expect(client.claim(view.id, view.content_hash)).rejects.toMatchObject({
      status: 409,
      code: 'ERR_APPROVAL_NOT_APPROVED',
    })
  })
})
