import { describe, expect, it } from 'vitest'
import type { Harness } from '../contract.js'
import { approval, HOUR, iso, MINUTE, newRequest, PARAMETERS, T0 } from './fixtures.js'

export function requestContract(harness: Harness): void {
  describe('approval requests', () => {
    it('creates a pending request and reads back exactly what was stored', async () => {
      const { store } = harness()
      const input = newRequest({
        description: 'Two boxes',
        amount: 19.99,
        currency: 'EUR',
        recipient: 'acme-supplies',
        rule: 'big-purchases',
        policy_version: 'sha256:abc',
        callback_url: 'https://agent.example/callback',
      })
      const created = await store.createRequest(input)
      const expected = { ...input, status: 'pending' }
      expect(created).toStrictEqual(expected)
      expect(await store.getRequest(input.id, T0)).toStrictEqual(expected)
      expect(JSON.stringify(created.parameters)).toBe(JSON.stringify(PARAMETERS))
    })

    it('leaves optional fields absent rather than null', async () => {
      const { store } = harness()
      const created = await store.createRequest(newRequest({ parameters: null }))
      expect(Object.keys(created).sort()).toEqual(
        [
          'action_type',
          'content_hash',
          'created_at',
          'created_by',
          'expires_at',
          'id',
          'parameters',
          'risk_level',
          'status',
          'title',
        ].sort(),
      )
      expect(created.parameters).toBeNull()
    })

    it('records a requested event with the creator as actor', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      expect(await store.listEvents(request.id)).toStrictEqual([
        { request_id: request.id, event: 'requested', at: iso(T0), actor: 'agent-1' },
      ])
    })

    it('returns undefined for an unknown id', async () => {
      const { store } = harness()
      expect(await store.getRequest('apr_unknown', T0)).toBeUndefined()
      expect(await store.listEvents('apr_unknown')).toEqual([])
    })

    it('lists newest first and filters by status, action type and creator', async () => {
      const { store } = harness()
      const old = await store.createRequest(newRequest({ created_at: iso(T0 - 2 * MINUTE) }))
      const mid = await store.createRequest(
        newRequest({ created_at: iso(T0 - MINUTE), action_type: 'communication' }),
      )
      const recent = await store.createRequest(newRequest({ created_by: 'agent-2' }))
      await store.approveRequest(approval(old.id))
      const ids = async (filter: Parameters<typeof store.listRequests>[0]): Promise<string[]> =>
        (await store.listRequests(filter, T0 + MINUTE)).map((request) => request.id)
      expect(await ids({})).toEqual([recent.id, mid.id, old.id])
      expect(await ids({ status: 'pending' })).toEqual([recent.id, mid.id])
      expect(await ids({ status: 'approved' })).toEqual([old.id])
      expect(await ids({ action_type: 'communication' })).toEqual([mid.id])
      expect(await ids({ created_by: 'agent-2' })).toEqual([recent.id])
      expect(await ids({ created_by: 'agent-1', status: 'pending' })).toEqual([mid.id])
      expect(await ids({ limit: 2 })).toEqual([recent.id, mid.id])
    })

    it('lists at most 50 by default', async () => {
      const { store } = harness()
      for (let index = 0; index < 51; index++) {
        await store.createRequest(newRequest({ created_at: iso(T0 + index) }))
      }
      expect(await store.listRequests({}, T0)).toHaveLength(50)
      expect(await store.listRequests({ limit: 51 }, T0)).toHaveLength(51)
    })

    it('returns a due pending request as expired, persisted once with its event', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const due = T0 + 5 * MINUTE
      const first = await store.getRequest(request.id, due)
      expect(first).toMatchObject({ status: 'expired', resolved_at: request.expires_at })
      expect(await store.getRequest(request.id, due + MINUTE)).toStrictEqual(first)
      expect((await store.listEvents(request.id)).map((event) => event.event)).toEqual([
        'requested',
        'expired',
      ])
      expect(await store.getRequest(request.id, T0)).toMatchObject({ status: 'expired' })
    })

    it('keeps a request pending until its expiry instant', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const justBefore = await store.getRequest(request.id, T0 + 5 * MINUTE - 1)
      expect(justBefore?.status).toBe('pending')
    })

    it('expires due requests before listing', async () => {
      const { store } = harness()
      const due = await store.createRequest(newRequest({ expires_at: iso(T0 + MINUTE) }))
      const later = await store.createRequest(newRequest({ expires_at: iso(T0 + 10 * MINUTE) }))
      const listed = await store.listRequests({ status: 'pending' }, T0 + 2 * MINUTE)
      expect(listed.map((request) => request.id)).toEqual([later.id])
      expect((await store.listRequests({ status: 'expired' }, T0)).map((r) => r.id)).toEqual([
        due.id,
      ])
    })

    it('expireDue expires exactly the pending requests that are due and returns their ids', async () => {
      const { store } = harness()
      const a = await store.createRequest(newRequest({ expires_at: iso(T0 + MINUTE) }))
      const b = await store.createRequest(newRequest({ expires_at: iso(T0 + 2 * MINUTE) }))
      const notYet = await store.createRequest(newRequest({ expires_at: iso(T0 + 9 * MINUTE) }))
      const approved = await store.createRequest(newRequest({ expires_at: iso(T0 + MINUTE) }))
      await store.approveRequest(approval(approved.id, { now: T0 }))
      const expired = await store.expireDue(T0 + 2 * MINUTE)
      expect(expired.sort()).toEqual([a.id, b.id].sort())
      expect(await store.expireDue(T0 + 2 * MINUTE)).toEqual([])
      expect((await store.getRequest(notYet.id, T0))?.status).toBe('pending')
      expect((await store.getRequest(approved.id, T0 + HOUR))?.status).toBe('approved')
      expect(await store.listEvents(b.id)).toStrictEqual([
        { request_id: b.id, event: 'requested', at: iso(T0), actor: 'agent-1' },
        { request_id: b.id, event: 'expired', at: iso(T0 + 2 * MINUTE) },
      ])
    })
  })
}
