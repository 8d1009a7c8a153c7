import { describe, expect, it } from 'vitest'
import type { Harness } from '../contract.js'
import { approval, approvedRequest, iso, MINUTE, newRequest, reasons, T0 } from './fixtures.js'

export function executionContract(harness: Harness): void {
  describe('claimExecution', () => {
    it('moves an approved request to executed once, with its event', async () => {
      const { store } = harness()
      const id = await approvedRequest(store, { policy_version: 'v7' })
      const request = await store.getRequest(id, T0)
      const outcome = await store.claimExecution({
        id,
        now: T0 + 2 * MINUTE,
        content_hash: request?.content_hash ?? '',
        created_by: 'agent-1',
        policy_version: 'v7',
      })
      expect(outcome).toStrictEqual({
        ok: true,
        request: { ...request, status: 'executed', executed_at: iso(T0 + 2 * MINUTE) },
      })
      expect((await store.listEvents(id)).at(-1)).toStrictEqual({
        request_id: id,
        event: 'executed',
        at: iso(T0 + 2 * MINUTE),
        actor: 'agent-1',
      })
    })

    it('refuses with the reason that applies', async () => {
      const { store } = harness()
      const hash = newRequest().content_hash
      const claim = (id: string, extra: object = {}) =>
        store.claimExecution({ id, now: T0 + 2 * MINUTE, content_hash: hash, ...extra })
      expect(await claim('apr_missing')).toEqual({ ok: false, reason: 'not_found' })

      const pending = await store.createRequest(newRequest())
      expect(await claim(pending.id)).toMatchObject({ ok: false, reason: 'not_approved' })
      const denied = await store.createRequest(newRequest())
      await store.denyRequest(approval(denied.id))
      expect(await claim(denied.id)).toMatchObject({ ok: false, reason: 'not_approved' })

      const approved = await approvedRequest(store, { policy_version: 'v7' })
      expect(await claim(approved, { content_hash: 'f'.repeat(64) })).toMatchObject({
        ok: false,
        reason: 'hash_mismatch',
      })
      expect(await claim(approved, { created_by: 'agent-2' })).toMatchObject({
        ok: false,
        reason: 'mismatch',
      })
      expect(await claim(approved, { policy_version: 'v8' })).toMatchObject({
        ok: false,
        reason: 'mismatch',
      })
      expect((await store.getRequest(approved, T0))?.status).toBe('approved')
      expect((await claim(approved)).ok).toBe(true)
      expect(await claim(approved)).toMatchObject({
        ok: false,
        reason: 'already_executed',
        request: { status: 'executed' },
      })
    })

    it('lets exactly one of 100 concurrent claims succeed', async () => {
      const { store } = harness()
      const id = await approvedRequest(store)
      const hash = newRequest().content_hash
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, () =>
          store.claimExecution({ id, now: T0 + 2 * MINUTE, content_hash: hash }),
        ),
      )
      expect(reasons(outcomes)).toEqual({ ok: 1, already_executed: 99 })
      const events = await store.listEvents(id)
      expect(events.filter((event) => event.event === 'executed')).toHaveLength(1)
    })
  })

  describe('recordExecutionResult', () => {
    it('records the result once, with its event, and keeps the first', async () => {
      const { store } = harness()
      const id = await approvedRequest(store)
      await store.claimExecution({
        id,
        now: T0 + 2 * MINUTE,
        content_hash: newRequest().content_hash,
      })
      const first = await store.recordExecutionResult(id, 'succeeded', T0 + 3 * MINUTE)
      expect(first).toMatchObject({ status: 'executed', execution_result: 'succeeded' })
      expect(await store.recordExecutionResult(id, 'succeeded', T0 + 4 * MINUTE)).toStrictEqual(
        first,
      )
      expect(await store.recordExecutionResult(id, 'failed', T0 + 4 * MINUTE)).toStrictEqual(first)
      expect((await store.listEvents(id)).map((event) => [event.event, event.at])).toEqual([
        ['requested', iso(T0)],
        ['approved', iso(T0 + MINUTE)],
        ['executed', iso(T0 + 2 * MINUTE)],
        ['execution_succeeded', iso(T0 + 3 * MINUTE)],
      ])
    })

    it('leaves a request that was not executed as it is', async () => {
      const { store } = harness()
      const id = await approvedRequest(store)
      const result = await store.recordExecutionResult(id, 'failed', T0 + 2 * MINUTE)
      expect(result).toMatchObject({ status: 'approved' })
      expect(result).not.toHaveProperty('execution_result')
      expect(await store.recordExecutionResult('apr_missing', 'failed', T0)).toBeUndefined()
    })
  })
}
