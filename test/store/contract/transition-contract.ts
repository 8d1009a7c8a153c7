import { describe, expect, it } from 'vitest'
import type { Harness } from '../contract.js'
import { approval, approvedRequest, iso, MINUTE, newRequest, reasons, T0 } from './fixtures.js'

export function transitionContract(harness: Harness): void {
  describe('approve and deny', () => {
    it('approves a pending request and records who, how and the evidence', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcome = await store.approveRequest(
        approval(request.id, { expected_content_hash: request.content_hash }),
      )
      expect(outcome).toStrictEqual({
        ok: true,
        request: {
          ...request,
          status: 'approved',
          resolved_at: iso(T0 + MINUTE),
          resolved_by: 'apv_alice',
          method: 'totp',
          evidence: { method: 'totp', time_step: 63_000_000 },
        },
      })
      expect(await store.getRequest(request.id, T0 + MINUTE)).toStrictEqual(
        outcome.ok ? outcome.request : undefined,
      )
      expect((await store.listEvents(request.id))[1]).toStrictEqual({
        request_id: request.id,
        event: 'approved',
        at: iso(T0 + MINUTE),
        actor: 'apv_alice',
        method: 'totp',
      })
    })

    it('refuses an unknown request', async () => {
      const { store } = harness()
      expect(await store.approveRequest(approval('apr_nope'))).toEqual({
        ok: false,
        reason: 'not_found',
      })
      expect(await store.denyRequest(approval('apr_nope'))).toEqual({
        ok: false,
        reason: 'not_found',
      })
    })

    it('refuses to approve past expiry without any expiry sweep, and persists the expiry', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcome = await store.approveRequest(approval(request.id, { now: T0 + 5 * MINUTE }))
      expect(outcome).toMatchObject({
        ok: false,
        reason: 'expired',
        request: { status: 'expired' },
      })
      expect((await store.getRequest(request.id, T0))?.status).toBe('expired')
      expect((await store.listEvents(request.id)).map((event) => event.event)).toEqual([
        'requested',
        'expired',
      ])
      const again = await store.approveRequest(approval(request.id, { now: T0 }))
      expect(again).toMatchObject({ ok: false, reason: 'expired' })
    })

    it('refuses to deny past expiry', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcome = await store.denyRequest(approval(request.id, { now: T0 + 6 * MINUTE }))
      expect(outcome).toMatchObject({ ok: false, reason: 'expired' })
    })

    it('refuses a request already resolved either way', async () => {
      const { store } = harness()
      const denied = await store.createRequest(newRequest())
      expect((await store.denyRequest(approval(denied.id))).ok).toBe(true)
      expect(await store.approveRequest(approval(denied.id))).toMatchObject({
        ok: false,
        reason: 'already_resolved',
        request: { status: 'denied' },
      })
      const approved = await approvedRequest(store)
      expect(await store.denyRequest(approval(approved))).toMatchObject({
        ok: false,
        reason: 'already_resolved',
      })
    })

    it('refuses when the proof covered another content hash, leaving the request pending', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const wrong = { expected_content_hash: '0'.repeat(64) }
      expect(await store.approveRequest(approval(request.id, wrong))).toMatchObject({
        ok: false,
        reason: 'hash_mismatch',
      })
      expect(await store.denyRequest(approval(request.id, wrong))).toMatchObject({
        ok: false,
        reason: 'hash_mismatch',
      })
      expect((await store.getRequest(request.id, T0))?.status).toBe('pending')
    })

    it('lets exactly one of 50 concurrent approvals of one request succeed', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          store.approveRequest(approval(request.id, { resolved_by: `apv_${index}` })),
        ),
      )
      expect(reasons(outcomes)).toEqual({ ok: 1, already_resolved: 49 })
      const events = await store.listEvents(request.id)
      expect(events.filter((event) => event.event === 'approved')).toHaveLength(1)
    })

    it('denies with a reason, recorded on the request and its event', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcome = await store.denyRequest({
        ...approval(request.id),
        evidence: { method: 'rule', rule: 'no-legal' },
        method: 'rule',
        resolved_by: 'rule:no-legal',
        reason: 'legal actions are never automatic',
      })
      expect(outcome).toMatchObject({
        ok: true,
        request: {
          status: 'denied',
          resolved_by: 'rule:no-legal',
          method: 'rule',
          evidence: { method: 'rule', rule: 'no-legal' },
          deny_reason: 'legal actions are never automatic',
        },
      })
      expect((await store.listEvents(request.id))[1]).toStrictEqual({
        request_id: request.id,
        event: 'denied',
        at: iso(T0 + MINUTE),
        actor: 'rule:no-legal',
        method: 'rule',
        detail: { reason: 'legal actions are never automatic' },
      })
    })
  })

  describe('withdraw', () => {
    it('lets the creator withdraw a pending request', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const outcome = await store.withdrawRequest(request.id, 'agent-1', T0 + MINUTE)
      expect(outcome).toMatchObject({
        ok: true,
        request: { status: 'denied', deny_reason: 'withdrawn', resolved_by: 'agent-1' },
      })
      expect((await store.listEvents(request.id))[1]).toStrictEqual({
        request_id: request.id,
        event: 'withdrawn',
        at: iso(T0 + MINUTE),
        actor: 'agent-1',
      })
    })

    it('treats another agent’s request as not found', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      expect(await store.withdrawRequest(request.id, 'agent-2', T0)).toEqual({
        ok: false,
        reason: 'not_found',
      })
      expect((await store.getRequest(request.id, T0))?.status).toBe('pending')
    })

    it('refuses a resolved or expired request', async () => {
      const { store } = harness()
      const approved = await approvedRequest(store)
      expect(await store.withdrawRequest(approved, 'agent-1', T0)).toMatchObject({
        ok: false,
        reason: 'already_resolved',
      })
      const stale = await store.createRequest(newRequest())
      expect(await store.withdrawRequest(stale.id, 'agent-1', T0 + 5 * MINUTE)).toMatchObject({
        ok: false,
        reason: 'expired',
      })
    })
  })
}
