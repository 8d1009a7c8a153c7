import { describe, expect, it } from 'vitest'
import { newId } from '../../../src/store/ids.js'
import type { Harness } from '../contract.js'
import { iso, MINUTE, newRequest, SECOND, T0 } from './fixtures.js'

export function adminContract(harness: Harness): void {
  describe('webhooks and deliveries', () => {
    it('stores, lists and deletes webhooks', async () => {
      const { store } = harness()
      const all = await store.putWebhook({
        url: 'https://hooks.example/all',
        encrypted_secret: 'v1.a.b.c',
        events: [],
        now: T0,
      })
      const some = await store.putWebhook({
        url: 'https://hooks.example/some',
        encrypted_secret: 'v1.d.e.f',
        events: ['approval.approved', 'approval.denied'],
        now: T0 + 1,
      })
      expect(all).toStrictEqual({
        id: all.id,
        url: 'https://hooks.example/all',
        encrypted_secret: 'v1.a.b.c',
        events: [],
        created_at: iso(T0),
      })
      expect(all.id).toMatch(/^whk_[A-Za-z0-9_-]{22}$/)
      expect(await store.listWebhooks()).toStrictEqual([all, some])
      expect(await store.deleteWebhook(all.id)).toBe(true)
      expect(await store.deleteWebhook(all.id)).toBe(false)
      expect(await store.listWebhooks()).toStrictEqual([some])
    })

    it('keeps the id the caller chose for a webhook, since its sealed secret is bound to it', async () => {
      const { store } = harness()
      const id = newId('whk')
      const record = {
        id,
        url: 'https://hooks.example/x',
        encrypted_secret: 's',
        events: [],
        now: T0,
      }
      expect((await store.putWebhook(record)).id).toBe(id)
      expect((await store.listWebhooks()).map((webhook) => webhook.id)).toEqual([id])
    })

    it('queues deliveries, hands out the due ones oldest first and records attempts', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const add = (event: string, now: number, webhook_id?: string) =>
        store.addDelivery({
          request_id: request.id,
          url: 'https://hooks.example/in',
          event,
          body: `{"event":"${event}"}`,
          now,
          ...(webhook_id ? { webhook_id } : {}),
        })
      const first = await add('approval.requested', T0)
      const second = await add('approval.approved', T0 + SECOND, 'whk_x')
      expect(first).toStrictEqual({
        id: first.id,
        request_id: request.id,
        url: 'https://hooks.example/in',
        event: 'approval.requested',
        body: '{"event":"approval.requested"}',
        status: 'pending',
        attempts: 0,
        next_attempt_at: iso(T0),
        created_at: iso(T0),
      })
      expect(first.id).toMatch(/^dlv_[A-Za-z0-9_-]{22}$/)
      expect(second.webhook_id).toBe('whk_x')
      const claim = async (now: number, limit: number, leaseUntil: number) =>
        (await store.claimDueDeliveries(now, limit, leaseUntil)).map((d) => d.id)
      // A claim takes what is due, oldest first, and leases it until leaseUntil.
      const [claimed] = await store.claimDueDeliveries(T0, 10, T0 + 30 * SECOND)
      expect(claimed).toMatchObject({ id: first.id, next_attempt_at: iso(T0 + 30 * SECOND) })
      expect(await claim(T0 + SECOND, 10, T0 + 30 * SECOND)).toEqual([second.id])
      expect(await claim(T0 + SECOND, 10, T0 + 30 * SECOND)).toEqual([])
      // Unresolved when its lease ends (its claimer died): due again, oldest first.
      expect(await claim(T0 + 30 * SECOND, 1, T0 + MINUTE)).toEqual([first.id])

      await store.updateDelivery(first.id, {
        status: 'pending',
        attempts: 1,
        next_attempt_at: T0 + 10 * SECOND,
        last_status: 503,
        last_error: 'Service Unavailable',
      })
      await store.updateDelivery(second.id, {
        status: 'delivered',
        attempts: 1,
        next_attempt_at: T0 + SECOND,
        last_status: 204,
        delivered_at: T0 + 2 * SECOND,
      })
      expect(await store.claimDueDeliveries(T0 + 5 * SECOND, 10, T0 + MINUTE)).toEqual([])
      const listed = await store.listDeliveries({ request_id: request.id })
      expect(listed.map((d) => d.id)).toEqual([second.id, first.id])
      expect(listed[1]).toMatchObject({
        attempts: 1,
        next_attempt_at: iso(T0 + 10 * SECOND),
        last_status: 503,
        last_error: 'Service Unavailable',
      })
      expect(listed[0]).toMatchObject({ status: 'delivered', delivered_at: iso(T0 + 2 * SECOND) })
      expect(await store.listDeliveries({ request_id: 'apr_other' })).toEqual([])
      expect(await store.listDeliveries({ limit: 1 })).toHaveLength(1)
    })

    it('gives concurrent claims disjoint deliveries, each one exactly once', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const queued = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const delivery = await store.addDelivery({
          request_id: request.id,
          url: 'https://hooks.example/in',
          event: 'approval.requested',
          body: '{}',
          now: T0,
        })
        queued.add(delivery.id)
      }
      const claims = await Promise.all(
        Array.from({ length: 4 }, () => store.claimDueDeliveries(T0, 20, T0 + MINUTE)),
      )
      const ids = claims.flat().map((d) => d.id)
      expect(ids).toHaveLength(20)
      expect(new Set(ids)).toEqual(queued)
    })

    it('fails what is still queued for a webhook when it is deleted', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const hook = await store.putWebhook({
        url: 'https://hooks.example/x',
        encrypted_secret: 's',
        events: [],
        now: T0,
      })
      const queued = await store.addDelivery({
        webhook_id: hook.id,
        request_id: request.id,
        url: hook.url,
        event: 'approval.requested',
        body: '{}',
        now: T0,
      })
      await store.deleteWebhook(hook.id)
      expect(await store.claimDueDeliveries(T0 + MINUTE, 10, T0 + 2 * MINUTE)).toEqual([])
      const [after] = await store.listDeliveries({ request_id: request.id })
      expect(after).toMatchObject({ id: queued.id, status: 'failed' })
    })
  })

  describe('push subscriptions', () => {
    it('stores one subscription per endpoint, lists per approver and deletes', async () => {
      const { store } = harness()
      const alice = await store.createApprover({
        id: newId('apv'),
        name: 'alice',
        role: 'admin',
        now: T0,
      })
      const bob = await store.createApprover({
        id: newId('apv'),
        name: 'bob',
        role: 'approver',
        now: T0,
      })
      const phone = {
        endpoint: 'https://push.example/alice-phone',
        approver_id: alice.id,
        p256dh: 'BPk',
        auth: 'au',
        created_at: iso(T0),
      }
      const laptop = { ...phone, endpoint: 'https://push.example/bob', approver_id: bob.id }
      await store.putPushSubscription(phone)
      await store.putPushSubscription(laptop)
      const renewed = { ...phone, p256dh: 'BPk2', created_at: iso(T0 + MINUTE) }
      await store.putPushSubscription(renewed)
      expect(await store.listPushSubscriptions(alice.id)).toStrictEqual([renewed])
      expect(await store.listPushSubscriptions()).toHaveLength(2)
      await store.deletePushSubscription(renewed.endpoint)
      expect(await store.listPushSubscriptions()).toStrictEqual([laptop])
    })
  })
}
