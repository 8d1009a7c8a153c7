import type { ApprovalRequest } from '../approval-request.js'
import type { Store, Webhook, WebhookDelivery } from '../../store/store.js'
import type { SecretBox } from '../secret-box.js'
import { nextAttemptAt } from './retry-schedule.js'
import { PUBLIC_CALLBACKS, type CallbackPolicy } from './callback-target.js'
import { sendDelivery, WEBHOOK_TIMEOUT_MS, type AttemptResult } from './send-delivery.js'
import { checkWebhookUrl, webhookSecretAad } from './webhook-admin.js'
import { webhookPayload } from './webhook-payload.js'

export interface WebhookDispatcher {
  /** Queues deliveries for the request's callback_url and every subscribed global webhook. */
  enqueue(event: string, request: ApprovalRequest, now: number): Promise<void>
  /** Sends due deliveries once (used by the timer and by tests); returns how many it tried. */
  runDue(now: number): Promise<number>
  /** A timer that calls runDue; unref'd. */
  start(): void
  stop(): Promise<void>
}

export interface WebhookDispatcherOptions {
  store: Store
  box: SecretBox
  /** Signs deliveries to a request's own callback_url (the `webhook_callback_secret`). */
  callbackSecret: string
  /** The service's public URL, for `approval_url` in payloads. */
  publicUrl?: string
  /** How often the timer looks for due deliveries; default 2000 ms. */
  intervalMs?: number
  /** Deliveries tried per run; default 50. */
  batchSize?: number
  /** Per-attempt timeout; default 5000 ms. */
  timeoutMs?: number
  /** Where the timer reports a failed run; default console.warn. */
  onError?: (error: unknown) => void
  /**
   * Where an agent-chosen callback URL may be sent: checked again before each attempt (the
   * address may have changed since the request was made) and pinned for the connection.
   * Default: public addresses only (PUBLIC_CALLBACKS); `any` for tests and private setups.
   * Operator-registered webhooks are not checked.
   */
  callbacks?: CallbackPolicy | 'any'
}

/**
 * Webhook deliveries through the store's delivery table: queued by `enqueue`, sent by
 * `runDue` with the retry schedule, each outcome recorded (status, attempts, last status
 * and error). Runs in one process are serialised, so a delivery is never sent twice at once.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { store, box, callbackSecret } = options
  const callbacks =
    options.callbacks === 'any' ? undefined : (options.callbacks ?? PUBLIC_CALLBACKS)
  const batchSize = options.batchSize ?? 50
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS
  const onError = options.onError ?? ((error: unknown) => console.warn('webhooks:', error))
  let queue: Promise<unknown> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  let ticking = false

  async function enqueue(event: string, request: ApprovalRequest, now: number): Promise<void> {
    const body = webhookPayload(event, request, now, options.publicUrl)
    const base = { request_id: request.id, event, body, now }
    if (request.callback_url !== undefined) {
      const delivery = await store.addDelivery({ ...base, url: request.callback_url })
      const problem = checkWebhookUrl(request.callback_url)
      if (problem) await giveUp(delivery, problem, now)
    }
    for (const webhook of await store.listWebhooks()) {
      if (webhook.events.length > 0 && !webhook.events.includes(event)) continue
      await store.addDelivery({ ...base, webhook_id: webhook.id, url: webhook.url })
    }
  }

  async function sendDue(now: number): Promise<number> {
    const due = await store.claimDueDeliveries(now, batchSize, now + CLAIM_LEASE_MS)
    if (due.length === 0) return 0
    const webhooks = new Map((await store.listWebhooks()).map((w) => [w.id, w]))
    await Promise.all(due.map((delivery) => attempt(delivery, webhooks, now)))
    return due.length
  }

  async function attempt(
    delivery: WebhookDelivery,
    webhooks: Map<string, Webhook>,
    now: number,
  ): Promise<void> {
    let secret = callbackSecret
    if (delivery.webhook_id !== undefined) {
      const webhook = webhooks.get(delivery.webhook_id)
      if (!webhook) return giveUp(delivery, 'webhook deleted', now)
      try {
        secret = box.open(webhook.encrypted_secret, webhookSecretAad(webhook.id))
      } catch (error) {
        return giveUp(
          delivery,
          `the webhook secret cannot be opened: ${(error as Error).message}`,
          now,
        )
      }
    }
    const checked = delivery.webhook_id === undefined ? callbacks : undefined
    if (checked) {
      const refused = await checked.refusal(delivery.url)
      if (refused) return giveUp(delivery, `callback_url refused: ${refused}`, now)
    }
    const result = await sendDelivery(delivery, secret, now, {
      timeoutMs,
      ...(checked ? { lookup: checked.lookup } : {}),
    })
    await record(delivery, result, now)
  }

  async function record(
    delivery: WebhookDelivery,
    result: AttemptResult,
    now: number,
  ): Promise<void> {
    const attempts = delivery.attempts + 1
    const status = result.status !== undefined ? { last_status: result.status } : {}
    if (result.ok) {
      await store.updateDelivery(delivery.id, {
        status: 'delivered',
        attempts,
        next_attempt_at: now,
        ...status,
        delivered_at: now,
      })
      return
    }
    const next = nextAttemptAt(attempts, now)
    await store.updateDelivery(delivery.id, {
      status: next === undefined ? 'failed' : 'pending',
      attempts,
      next_attempt_at: next ?? now,
      ...status,
      last_error: result.error ?? 'failed',
    })
  }

  /** A delivery that can never succeed: failed at once, with the reason, without sending. */
  async function giveUp(delivery: WebhookDelivery, reason: string, now: number): Promise<void> {
    await store.updateDelivery(delivery.id, {
      status: 'failed',
      attempts: delivery.attempts,
      next_attempt_at: now,
      last_error: reason,
    })
  }

  function runDue(now: number): Promise<number> {
    const run = queue.then(() => sendDue(now))
    queue = run.catch(() => undefined)
    return run
  }

  return {
    enqueue,
    runDue,
    start() {
      if (timer) return
      timer = setInterval(() => {
        // A slow run is not stacked behind by further ticks.
        if (ticking) return
        ticking = true
        runDue(Date.now())
          .catch(onError)
          .finally(() => (ticking = false))
      }, options.intervalMs ?? 2_000)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      await queue
    },
  }
}

/** How long a claimed delivery is kept from other processes: far above one attempt's 5 s. */
const CLAIM_LEASE_MS = 60_000
