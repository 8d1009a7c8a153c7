import type { Agent } from 'node:https'
import webpush from 'web-push'
import type { PushSubscriptionRecord, Store } from '../../store/store.js'
import type { ApprovalRequest } from '../approval-request.js'
import { fingerprint } from '../fingerprint.js'
import type { SecretBox } from '../secret-box.js'
import { loadVapidKeys, type VapidKeys } from './vapid-keys.js'

/** Sends a new pending request to approvers' devices; never throws. */
export interface PushNotifier {
  vapidPublicKey(): Promise<string>
  notify(request: ApprovalRequest): Promise<void>
}

export interface PushNotifierOptions {
  store: Store
  box: SecretBox
  /** Contact for push services: an https: URL or a mailto: address. */
  subject: string
  /** Where failed sends are reported (default console.warn). Never throws from notify. */
  onError?: (error: unknown) => void
  /** For tests: the TLS agent (e.g. one trusting a local CA). */
  agent?: Agent
  now?: () => number
  /** Per-send socket timeout, default 5000 ms. */
  timeoutMs?: number
}

// Push services refuse anything but https: and mailto: subjects (web-push checks too).
const FALLBACK_SUBJECT = 'mailto:mcp-warden@example.invalid'
const MAX_TITLE = 200

/**
 * Web Push (VAPID, RFC 8291 aes128gcm via web-push) to every stored subscription. The
 * payload holds only the request id, its title and the fingerprint; the page fetches the
 * rest after sign-in. Subscriptions the push service calls gone (404/410) are removed.
 */
export function createPushNotifier(options: PushNotifierOptions): PushNotifier {
  const { store, box } = options
  const subject = pushSubject(options.subject)
  const report = options.onError ?? ((error: unknown) => console.warn('web push:', error))
  const now = options.now ?? Date.now
  let keys: Promise<VapidKeys> | undefined

  function vapidKeys(): Promise<VapidKeys> {
    keys ??= loadVapidKeys(store, box).catch((error: unknown) => {
      keys = undefined
      throw error
    })
    return keys
  }

  async function send(
    subscription: PushSubscriptionRecord,
    payload: string,
    vapid: VapidKeys,
    ttlSeconds: number,
  ): Promise<void> {
    try {
      await webpush.sendNotification(
        {
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
        payload,
        {
          vapidDetails: { subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
          TTL: ttlSeconds,
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          timeout: options.timeoutMs ?? 5000,
          ...(options.agent ? { agent: options.agent } : {}),
        },
      )
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode
      if (status === 404 || status === 410) {
        await store.deletePushSubscription(subscription.endpoint).catch(report)
      } else {
        report(error)
      }
    }
  }

  return {
    async vapidPublicKey() {
      return (await vapidKeys()).publicKey
    },
    async notify(request) {
      try {
        const [vapid, subscriptions] = await Promise.all([
          vapidKeys(),
          store.listPushSubscriptions(),
        ])
        if (subscriptions.length === 0) return
        const payload = JSON.stringify({
          id: request.id,
          title: request.title.slice(0, MAX_TITLE),
          fingerprint: fingerprint(request.content_hash),
        })
        // No point delivering after the request has expired.
        const ttl = Math.max(0, Math.floor((Date.parse(request.expires_at) - now()) / 1000))
        await Promise.all(subscriptions.map((s) => send(s, payload, vapid, ttl)))
      } catch (error) {
        report(error)
      }
    },
  }
}

function pushSubject(subject: string): string {
  try {
    const protocol = new URL(subject).protocol
    if (protocol === 'https:' || protocol === 'mailto:') return subject
  } catch {
    // not a URL: use the fallback
  }
  return FALLBACK_SUBJECT
}
