import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importJWK, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { createPushNotifier } from '../../../src/approval/inbox/push-notifier.js'
import { createSecretBox, type SecretBox } from '../../../src/approval/secret-box.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../../src/store/store.js'
import {
  decryptPush,
  newSubscriber,
  startTestPushService,
  type TestPushService,
  type TestSubscriber,
} from './push-service.js'

const NOW = Date.parse('2026-03-02T09:00:00Z')
const SUBJECT = 'mailto:security@example.com'

function pendingRequest(): ApprovalRequest {
  const parameters = { amount: 120, currency: 'EUR', recipient: 'Acme GmbH' }
  return {
    id: 'apr_0123456789abcdefghijkl',
    created_by: 'billing-bot',
    action_type: 'purchase',
    title: 'Pay invoice 2026-114 to Acme GmbH',
    description: 'secret description that must not be pushed',
    risk_level: 'medium',
    amount: 120,
    currency: 'EUR',
    recipient: 'Acme GmbH',
    parameters,
    content_hash: canonicalDigest(parameters),
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 300_000).toISOString(),
    status: 'pending',
  }
}

describe('createPushNotifier', () => {
  let dir: string
  let store: Store
  let box: SecretBox
  let pushService: TestPushService
  let errors: unknown[]

  beforeAll(async () => {
    pushService = await startTestPushService()
  })
  afterAll(async () => {
    await pushService?.close()
  })
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-push-notifier-'))
    store = await openSqliteStore(join(dir, 'warden.db'))
    box = createSecretBox(randomBytes(32))
    await store.createApprover({ id: 'apv_alice', name: 'alice', role: 'approver', now: NOW })
    pushService.received.length = 0
    errors = []
  })
  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const notifier = (subject = SUBJECT) =>
    createPushNotifier({
      store,
      box,
      subject,
      agent: pushService.agent,
      now: () => NOW,
      onError: (error) => errors.push(error),
    })

  async function subscribe(endpoint: string): Promise<TestSubscriber> {
    const subscriber = newSubscriber()
    await store.putPushSubscription({
      endpoint,
      approver_id: 'apv_alice',
      p256dh: subscriber.p256dh,
      auth: subscriber.auth,
      created_at: new Date(NOW).toISOString(),
    })
    return subscriber
  }

  it('makes one VAPID key pair, shared through the store, with the private half sealed', async () => {
    const [first, second] = await Promise.all([
      notifier().vapidPublicKey(),
      notifier().vapidPublicKey(),
    ])
    expect(second).toBe(first)
    expect(Buffer.from(first, 'base64url')).toHaveLength(65)
    const stored = JSON.parse((await store.getSetting('vapid'))!) as Record<string, string>
    expect(Object.keys(stored).sort()).toEqual(['encrypted_private_key', 'public_key'])
    const privateKey = box.open(stored.encrypted_private_key!, 'vapid')
    expect(Buffer.from(privateKey, 'base64url')).toHaveLength(32)
    expect(JSON.stringify(stored)).not.toContain(privateKey)
    expect(() => box.open(stored.encrypted_private_key!, 'totp')).toThrow()
  })

  it('sends only id, title and fingerprint to every subscription, signed with the VAPID key', async () => {
    const phone = await subscribe(pushService.endpoint(201, 'phone'))
    const laptop = await subscribe(pushService.endpoint(201, 'laptop'))
    const push = notifier()
    const request = pendingRequest()
    await push.notify(request)

    expect(errors).toEqual([])
    expect(pushService.received.map((r) => r.path).sort()).toEqual([
      '/push/201/laptop',
      '/push/201/phone',
    ])
    const publicKey = Buffer.from(await push.vapidPublicKey(), 'base64url')
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: publicKey.subarray(1, 33).toString('base64url'),
        y: publicKey.subarray(33).toString('base64url'),
      },
      'ES256',
    )
    for (const received of pushService.received) {
      const subscriber = received.path.endsWith('phone') ? phone : laptop
      expect(JSON.parse(decryptPush(received.body, subscriber))).toEqual({
        id: request.id,
        title: request.title,
        fingerprint:
          request.content_hash.slice(0, 4).toUpperCase() +
          ' ' +
          request.content_hash.slice(4, 8).toUpperCase(),
      })
      expect(received.headers).toMatchObject({
        'content-encoding': 'aes128gcm',
        ttl: '300',
        urgency: 'high',
      })
      const [, token, k] = /^vapid t=([^,]+), k=(.+)$/.exec(String(received.headers.authorization))!
      expect(k).toBe(await push.vapidPublicKey())
      const { payload } = await jwtVerify(token!, key, { audience: pushService.origin })
      expect(payload.sub).toBe(SUBJECT)
    }
  })

  it('removes subscriptions the push service calls gone (404, 410) and keeps the rest', async () => {
    await subscribe(pushService.endpoint(410, 'unsubscribed'))
    await subscribe(pushService.endpoint(404, 'expired'))
    await subscribe(pushService.endpoint(500, 'flaky'))
    await subscribe(pushService.endpoint(201, 'fine'))
    await notifier().notify(pendingRequest())

    const left = (await store.listPushSubscriptions()).map((s) => s.endpoint).sort()
    expect(left).toEqual([pushService.endpoint(201, 'fine'), pushService.endpoint(500, 'flaky')])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ statusCode: 500 })
  })

  it('never throws: an unreachable push service or a failing store is reported instead', async () => {
    await subscribe('https://127.0.0.1:1/push/201/nobody-listens')
    await expect(notifier().notify(pendingRequest())).resolves.toBeUndefined()
    expect(errors).toHaveLength(1)

    const broken = createPushNotifier({
      store: new Proxy(store, {
        get: (target, name, receiver) =>
          name === 'listPushSubscriptions'
            ? () => Promise.reject(new Error('store down'))
            : Reflect.get(target, name, receiver),
      }),
      box,
      subject: SUBJECT,
      onError: (error) => errors.push(error),
    })
    await expect(broken.notify(pendingRequest())).resolves.toBeUndefined()
    expect(errors[1]).toMatchObject({ message: 'store down' })
  })

  it('falls back to a mailto: subject when given an http: public URL', async () => {
    await subscribe(pushService.endpoint(201, 'dev'))
    await notifier('http://localhost:8788').notify(pendingRequest())
    expect(errors).toEqual([])
    const token = /t=([^,]+)/.exec(String(pushService.received[0]!.headers.authorization))![1]!
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
    expect(claims.sub).toMatch(/^mailto:/)
  })
})
