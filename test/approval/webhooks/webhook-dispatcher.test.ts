import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { createSecretBox } from '../../../src/approval/secret-box.js'
import {
  createCallbackPolicy,
  type CallbackPolicy,
} from '../../../src/approval/webhooks/callback-target.js'
import { createWebhook } from '../../../src/approval/webhooks/webhook-admin.js'
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
} from '../../../src/approval/webhooks/webhook-dispatcher.js'
import { WEBHOOK_RETRY_DELAYS_MS } from '../../../src/approval/webhooks/retry-schedule.js'
import { newId } from '../../../src/store/ids.js'
import { openStore } from '../../../src/store/open-store.js'
import type { Store, WebhookDelivery } from '../../../src/store/store.js'
import { startReceiver, type TestReceiver } from './test-receiver.js'

const T0 = Date.parse('2025-06-18T10:00:00.000Z')
const CALLBACK_SECRET = 'whsec_callback'
const box = createSecretBox(randomBytes(32))

let dir: string
let store: Store
let receiver: TestReceiver
let hookSecret = ''
let dispatcher: WebhookDispatcher

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-webhooks-'))
  store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
  receiver = await startReceiver((path) =>
    path.startsWith('/hook') ? hookSecret : CALLBACK_SECRET,
  )
  receiver.clock = T0
  dispatcher = createWebhookDispatcher({
    store,
    box,
    callbackSecret: CALLBACK_SECRET,
    publicUrl: 'https://warden.example',
    // The receiver listens on 127.0.0.1, which agent callbacks may not reach by default.
    callbacks: 'any',
  })
})

afterEach(async () => {
  await dispatcher.stop()
  await receiver.close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function request(callbackUrl?: string): Promise<ApprovalRequest> {
  const parameters = { item: 'paper', amount: 12 }
  return store.createRequest({
    id: newId('apr'),
    created_by: 'bot-1',
    action_type: 'purchase',
    title: 'Buy paper',
    risk_level: 'medium',
    amount: 12,
    parameters,
    content_hash: canonicalDigest(parameters),
    ...(callbackUrl ? { callback_url: callbackUrl } : {}),
    created_at: new Date(T0).toISOString(),
    expires_at: new Date(T0 + 300_000).toISOString(),
  })
}

async function onlyDelivery(requestId: string): Promise<WebhookDelivery> {
  const deliveries = await store.listDeliveries({ request_id: requestId })
  expect(deliveries).toHaveLength(1)
  return deliveries[0]!
}

describe('webhook dispatcher', () => {
  it('delivers a signed callback the receiver verifies, and logs it', async () => {
    const created = await request(receiver.url('/callback'))
    await dispatcher.enqueue('approval.requested', created, T0)
    expect(await dispatcher.runDue(T0)).toBe(1)
    expect(receiver.received).toHaveLength(1)
    const [hit] = receiver.received
    expect(hit!.verified).toBe(true)
    const delivery = await onlyDelivery(created.id)
    expect(hit!.headers['x-warden-delivery']).toBe(delivery.id)
    expect(hit!.headers['x-warden-event']).toBe('approval.requested')
    expect(hit!.headers['content-type']).toBe('application/json')
    expect(hit!.body).toBe(delivery.body)
    const payload = JSON.parse(hit!.body) as { event: string; sent_at: string; action: object }
    expect(payload).toMatchObject({
      event: 'approval.requested',
      sent_at: new Date(T0).toISOString(),
      action: { id: created.id, approval_url: `https://warden.example/actions/${created.id}` },
    })
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status: 204,
      delivered_at: new Date(T0).toISOString(),
    })
    expect(await dispatcher.runDue(T0 + 3_600_000)).toBe(0)
  })

  it('delivers to subscribed global webhooks with their own secret', async () => {
    const all = await createWebhook(store, box, { url: receiver.url('/hook/all'), events: [] }, T0)
    await createWebhook(
      store,
      box,
      { url: receiver.url('/hook/approved'), events: ['approval.approved'] },
      T0,
    )
    hookSecret = all.secret
    const created = await request()
    await dispatcher.enqueue('approval.requested', created, T0)
    expect(await dispatcher.runDue(T0)).toBe(1)
    expect(receiver.received.map((r) => [r.path, r.verified])).toEqual([['/hook/all', true]])
    const delivery = await onlyDelivery(created.id)
    expect(delivery.webhook_id).toBe(all.webhook.id)
    expect(all.webhook.encrypted_secret).not.toContain(all.secret)
  })

  it('retries after a 500 on the backoff schedule, then delivers', async () => {
    receiver.reply('/callback', { status: 500 }, { status: 200 })
    const created = await request(receiver.url('/callback'))
    await dispatcher.enqueue('approval.approved', created, T0)
    expect(await dispatcher.runDue(T0)).toBe(1)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 500,
      last_error: 'HTTP 500',
      next_attempt_at: new Date(T0 + 10_000).toISOString(),
    })
    expect(await dispatcher.runDue(T0 + 9_999)).toBe(0)
    receiver.clock = T0 + 10_000
    expect(await dispatcher.runDue(T0 + 10_000)).toBe(1)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      last_status: 200,
      delivered_at: new Date(T0 + 10_000).toISOString(),
    })
    const [first, second] = receiver.received
    expect(second!.body).toBe(first!.body)
    expect(second!.headers['x-warden-signature']).not.toBe(first!.headers['x-warden-signature'])
    expect(receiver.received.every((r) => r.verified)).toBe(true)
  })

  it('gives up after the sixth failed attempt', async () => {
    receiver.reply('/callback', { status: 503 })
    const created = await request(receiver.url('/callback'))
    await dispatcher.enqueue('approval.denied', created, T0)
    let now = T0
    expect(await dispatcher.runDue(now)).toBe(1)
    for (const delay of WEBHOOK_RETRY_DELAYS_MS) {
      now += delay
      receiver.clock = now
      expect(await dispatcher.runDue(now - 1)).toBe(0)
      expect(await dispatcher.runDue(now)).toBe(1)
    }
    expect(now - T0).toBe(4_360_000)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'failed',
      attempts: 6,
      last_status: 503,
      last_error: 'HTTP 503',
    })
    expect(await dispatcher.runDue(now + 86_400_000)).toBe(0)
    expect(receiver.received).toHaveLength(6)
  })

  it('never follows a redirect: a 3xx is a failed attempt', async () => {
    receiver.reply('/callback', { status: 302, location: receiver.url('/elsewhere') })
    const created = await request(receiver.url('/callback'))
    await dispatcher.enqueue('approval.approved', created, T0)
    await dispatcher.runDue(T0)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status: 302,
      last_error: `redirect not followed (HTTP 302 to ${receiver.url('/elsewhere')})`,
    })
    expect(receiver.received.map((r) => r.path)).toEqual(['/callback'])
  })

  it('is refused by a receiver whose clock is more than 300 s ahead', async () => {
    receiver.clock = T0 + 301_000
    const created = await request(receiver.url('/callback'))
    await dispatcher.enqueue('approval.approved', created, T0)
    await dispatcher.runDue(T0)
    expect(receiver.received[0]!.verified).toBe(false)
    expect(await onlyDelivery(created.id)).toMatchObject({ status: 'pending', last_status: 401 })
  })

  it('records a refused connection and a timeout as failed attempts', async () => {
    const silent = createWebhookDispatcher({
      store,
      box,
      callbackSecret: CALLBACK_SECRET,
      timeoutMs: 200,
      callbacks: 'any',
    })
    receiver.reply('/callback', { status: 200, hang: true })
    const slow = await request(receiver.url('/callback'))
    await silent.enqueue('approval.approved', slow, T0)
    await silent.runDue(T0)
    expect((await onlyDelivery(slow.id)).last_error).toBe('no response within 0.2 s')

    const closed = await startReceiver(() => CALLBACK_SECRET)
    const url = closed.url('/gone')
    await closed.close()
    const refused = await request(url)
    await silent.enqueue('approval.approved', refused, T0)
    await silent.runDue(T0)
    const delivery = await onlyDelivery(refused.id)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 })
    expect(delivery.last_error).toMatch(/ECONNREFUSED/)
    expect(delivery.last_status).toBeUndefined()
  })

  it('fails a delivery that can never succeed without sending it', async () => {
    const created = await request('ftp://files.example/drop')
    await dispatcher.enqueue('approval.approved', created, T0)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'failed',
      attempts: 0,
      last_error: '"ftp://files.example/drop" is not an http(s) URL',
    })

    const hook = await createWebhook(store, box, { url: receiver.url('/hook'), events: [] }, T0)
    const other = await request()
    await dispatcher.enqueue('approval.approved', other, T0)
    await store.deleteWebhook(hook.webhook.id)
    await dispatcher.runDue(T0)
    expect(await onlyDelivery(other.id)).toMatchObject({
      status: 'failed',
      last_error: 'webhook deleted',
    })
    expect(receiver.received).toHaveLength(0)
  })

  it('sends each delivery once when two dispatchers share the store (two warden serve)', async () => {
    const other = createWebhookDispatcher({
      store,
      box,
      callbackSecret: CALLBACK_SECRET,
      callbacks: 'any',
    })
    const created = await request(receiver.url('/callback'))
    for (let i = 0; i < 10; i++) await dispatcher.enqueue('approval.approved', created, T0)
    await Promise.all([dispatcher.runDue(T0), other.runDue(T0)])
    await other.stop()
    const ids = receiver.received.map((r) => r.headers['x-warden-delivery'])
    expect(ids).toHaveLength(10)
    expect(new Set(ids).size).toBe(10)
  })

  it('sends from its timer once started', async () => {
    receiver.clock = Date.now()
    const timed = createWebhookDispatcher({
      store,
      box,
      callbackSecret: CALLBACK_SECRET,
      intervalMs: 20,
      callbacks: 'any',
    })
    const created = await request(receiver.url('/callback'))
    await timed.enqueue('approval.approved', created, Date.now())
    timed.start()
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 5_000 })
    await timed.stop()
    expect((await onlyDelivery(created.id)).status).toBe('delivered')
  })
})

describe("an agent's callback_url at delivery time", () => {
  const guardedBy = (callbacks: CallbackPolicy) =>
    createWebhookDispatcher({ store, box, callbackSecret: CALLBACK_SECRET, callbacks })
  const portOf = () => new URL(receiver.url('/callback')).port

  it('refuses a name that was public when checked and is loopback when used (DNS rebinding)', async () => {
    let lookups = 0
    const rebinding = createCallbackPolicy({
      resolve: async () => (++lookups === 1 ? ['93.184.216.34'] : ['127.0.0.1']),
    })
    const guarded = guardedBy(rebinding)
    const created = await request(`http://rebind.test:${portOf()}/callback`)
    await guarded.enqueue('approval.approved', created, T0)
    await guarded.runDue(T0)
    await guarded.stop()
    // The check, then the connection's own lookup: the second answer is checked too.
    expect(lookups).toBe(2)
    expect(receiver.received).toHaveLength(0)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'callback_url refused: rebind.test is 127.0.0.1, a loopback address',
    })
  })

  it('connects to the address its own lookup checked, never to another resolution', async () => {
    // 127.0.0.1 stands in for a public address; the name resolves nowhere else.
    const pinned = guardedBy(
      createCallbackPolicy({ resolve: async () => ['127.0.0.1'], addressRefusal: () => undefined }),
    )
    const created = await request(`http://callback.invalid:${portOf()}/callback`)
    await pinned.enqueue('approval.approved', created, T0)
    await pinned.runDue(T0)
    await pinned.stop()
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]!.verified).toBe(true)
    expect((await onlyDelivery(created.id)).status).toBe('delivered')
  })

  it('refuses a private address by default, without sending', async () => {
    const strict = createWebhookDispatcher({ store, box, callbackSecret: CALLBACK_SECRET })
    const created = await request(receiver.url('/callback'))
    await strict.enqueue('approval.approved', created, T0)
    await strict.runDue(T0)
    await strict.stop()
    expect(receiver.received).toHaveLength(0)
    expect(await onlyDelivery(created.id)).toMatchObject({
      status: 'failed',
      last_error: 'callback_url refused: 127.0.0.1 is a loopback address',
    })
  })
})
