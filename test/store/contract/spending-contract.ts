import { describe, expect, it } from 'vitest'
import type { Harness } from '../contract.js'
import {
  approval,
  approvedRequest,
  DAY,
  HOUR,
  iso,
  MINUTE,
  newRequest,
  reasons,
  spendingWindow,
  T0,
} from './fixtures.js'

export function spendingContract(harness: Harness): void {
  describe('spending reservations', () => {
    it('reserves the amount on approval and refuses what no longer fits, with the figures', async () => {
      const { store } = harness()
      const window = spendingWindow(100)
      await approvedRequest(store, { amount: 90 }, { spending: [window] })
      expect(await store.spentInWindow(window)).toBe(90)
      const request = await store.createRequest(newRequest({ amount: 20 }))
      const outcome = await store.approveRequest(approval(request.id, { spending: [window] }))
      expect(outcome).toStrictEqual({
        ok: false,
        reason: 'over_limit',
        request,
        over_limit: { window, spent: 90, amount: 20, remaining: 10 },
      })
      expect((await store.getRequest(request.id, T0))?.status).toBe('pending')
      expect(await store.spentInWindow(window)).toBe(90)
    })

    it('reports the first window without room', async () => {
      const { store } = harness()
      const roomy = spendingWindow(1000, { limit_id: 'lim_monthly', period: 'monthly' })
      const tight = spendingWindow(10, { limit_id: 'lim_daily' })
      const request = await store.createRequest(newRequest({ amount: 20 }))
      const outcome = await store.approveRequest(approval(request.id, { spending: [roomy, tight] }))
      expect(outcome).toMatchObject({
        reason: 'over_limit',
        over_limit: { window: tight, spent: 0, amount: 20, remaining: 10 },
      })
    })

    it('lets exactly 5 of 10 concurrent approvals of 20 fit under a limit of 100', async () => {
      const { store } = harness()
      const window = spendingWindow(100)
      const requests = await Promise.all(
        Array.from({ length: 10 }, () => store.createRequest(newRequest({ amount: 20 }))),
      )
      const outcomes = await Promise.all(
        requests.map((request) =>
          store.approveRequest(approval(request.id, { spending: [window] })),
        ),
      )
      expect(reasons(outcomes)).toEqual({ ok: 5, over_limit: 5 })
      for (const outcome of outcomes) {
        if (!outcome.ok) {
          expect(outcome.over_limit).toEqual({ window, spent: 100, amount: 20, remaining: 0 })
        }
      }
      expect(await store.spentInWindow(window)).toBe(100)
    })

    it('does not check a request without an amount', async () => {
      const { store } = harness()
      const window = spendingWindow(0)
      const request = await store.createRequest(newRequest())
      expect((await store.approveRequest(approval(request.id, { spending: [window] }))).ok).toBe(
        true,
      )
      expect(await store.spentInWindow(window)).toBe(0)
    })

    it('absorbs floating-point drift at the limit', async () => {
      const { store } = harness()
      const window = spendingWindow(0.3)
      await approvedRequest(store, { amount: 0.1 }, { spending: [window] })
      await approvedRequest(store, { amount: 0.2 }, { spending: [window] })
      expect(await store.spentInWindow(window)).toBeCloseTo(0.3, 12)
    })

    it('sums by agent, action type and the window’s [start, end)', async () => {
      const { store } = harness()
      const at = (now: number) => ({ now, spending: [] })
      const expires = iso(T0 + 2 * DAY)
      await approvedRequest(store, { amount: 1, expires_at: expires }, at(T0))
      await approvedRequest(
        store,
        { amount: 2, created_by: 'agent-2', expires_at: expires },
        at(T0),
      )
      await approvedRequest(store, { amount: 4, action_type: 'legal', expires_at: expires }, at(T0))
      await approvedRequest(store, { amount: 8, expires_at: expires }, at(T0 + DAY))
      await approvedRequest(store, { amount: 16, expires_at: expires }, at(T0 - HOUR - 1))
      const window = spendingWindow(1000, { start: T0 - HOUR, end: T0 + DAY })
      expect(await store.spentInWindow(window)).toBe(1)
      expect(await store.spentInWindow({ ...window, agent: 'agent-2' })).toBe(2)
      expect(await store.spentInWindow({ ...window, agent: undefined })).toBe(3)
      expect(await store.spentInWindow({ ...window, action_type: 'legal' })).toBe(4)
      expect(await store.spentInWindow({ ...window, end: T0 + DAY + 1 })).toBe(9)
      expect(await store.spentInWindow({ ...window, start: T0 - HOUR - 1 })).toBe(17)
    })

    it('books on execution, keeps a success and releases a failure', async () => {
      const { store } = harness()
      const window = spendingWindow(100)
      const hash = newRequest().content_hash
      const kept = await approvedRequest(store, { amount: 30 }, { spending: [window] })
      const failed = await approvedRequest(store, { amount: 50 }, { spending: [window] })
      for (const id of [kept, failed]) {
        expect(
          (await store.claimExecution({ id, now: T0 + 2 * MINUTE, content_hash: hash })).ok,
        ).toBe(true)
      }
      expect(await store.spentInWindow(window)).toBe(80)
      await store.recordExecutionResult(kept, 'succeeded', T0 + 3 * MINUTE)
      await store.recordExecutionResult(failed, 'failed', T0 + 3 * MINUTE)
      expect(await store.spentInWindow(window)).toBe(30)
      await store.recordExecutionResult(failed, 'failed', T0 + 4 * MINUTE)
      expect(await store.spentInWindow(window)).toBe(30)
    })

    it('holds nothing for denied, withdrawn or expired requests', async () => {
      const { store } = harness()
      const window = spendingWindow(50)
      const denied = await store.createRequest(newRequest({ amount: 50 }))
      await store.denyRequest(approval(denied.id))
      const withdrawn = await store.createRequest(newRequest({ amount: 50 }))
      await store.withdrawRequest(withdrawn.id, 'agent-1', T0)
      const expired = await store.createRequest(newRequest({ amount: 50 }))
      await store.expireDue(T0 + 5 * MINUTE)
      expect((await store.getRequest(expired.id, T0))?.status).toBe('expired')
      expect(await store.spentInWindow(window)).toBe(0)
      const next = await store.createRequest(newRequest({ amount: 50, expires_at: iso(T0 + DAY) }))
      const outcome = await store.approveRequest(
        approval(next.id, { now: T0 + 6 * MINUTE, spending: [window] }),
      )
      expect(outcome.ok).toBe(true)
    })
  })

  describe('spending limits', () => {
    it('stores, lists and deletes limits', async () => {
      const { store } = harness()
      const everyone = await store.putSpendingLimit({
        action_type: 'purchase',
        period: 'monthly',
        limit: 1000,
        currency: 'EUR',
        now: T0,
      })
      const bot = await store.putSpendingLimit({
        agent: 'bot-1',
        action_type: 'purchase',
        period: 'daily',
        limit: 25.5,
        now: T0 + 1,
      })
      expect(everyone).toStrictEqual({
        id: everyone.id,
        action_type: 'purchase',
        period: 'monthly',
        limit: 1000,
        currency: 'EUR',
        created_at: iso(T0),
      })
      expect(everyone.id).toMatch(/^lim_[A-Za-z0-9_-]{22}$/)
      expect(bot).toMatchObject({ agent: 'bot-1', limit: 25.5 })
      expect(await store.listSpendingLimits()).toStrictEqual([everyone, bot])
      expect(await store.deleteSpendingLimit(everyone.id)).toBe(true)
      expect(await store.deleteSpendingLimit(everyone.id)).toBe(false)
      expect(await store.listSpendingLimits()).toStrictEqual([bot])
    })
  })
}
