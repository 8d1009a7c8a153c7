import {
  deliveryFromRow,
  limitFromRow,
  pushFromRow,
  webhookFromRow,
  type DeliveryRow,
  type LimitRow,
  type PushRow,
  type WebhookRow,
} from '../migrations/record-rows.js'
import { chosenId, ms } from '../migrations/row-values.js'
import { listLimit } from '../migrations/transition-rules.js'
import type { Store } from '../store.js'
import { all, first, type PgContext } from './postgres-context.js'
import { postgresSpent } from './postgres-transitions.js'

type AdminMethods = Pick<
  Store,
  | 'putSpendingLimit'
  | 'listSpendingLimits'
  | 'deleteSpendingLimit'
  | 'spentInWindow'
  | 'putWebhook'
  | 'listWebhooks'
  | 'deleteWebhook'
  | 'addDelivery'
  | 'claimDueDeliveries'
  | 'updateDelivery'
  | 'listDeliveries'
  | 'putPushSubscription'
  | 'listPushSubscriptions'
  | 'deletePushSubscription'
>

export function postgresAdminMethods(ctx: PgContext): AdminMethods {
  const { pool } = ctx
  return {
    async putSpendingLimit(limit) {
      const row = await first<LimitRow>(
        pool,
        `INSERT INTO spending_limits
           (id, agent, action_type, period, limit_amount, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          chosenId(limit, 'lim'),
          limit.agent ?? null,
          limit.action_type,
          limit.period,
          limit.limit,
          limit.currency ?? null,
          limit.now,
        ],
      )
      return limitFromRow(row as LimitRow)
    },

    async listSpendingLimits() {
      const rows = await all<LimitRow>(
        pool,
        'SELECT * FROM spending_limits ORDER BY created_at, id',
      )
      return rows.map(limitFromRow)
    },

    async deleteSpendingLimit(id) {
      const result = await pool.query('DELETE FROM spending_limits WHERE id = $1', [id])
      return (result.rowCount ?? 0) > 0
    },

    async spentInWindow(window) {
      return postgresSpent(pool, window)
    },

    async putWebhook(webhook) {
      const row = await first<WebhookRow>(
        pool,
        `INSERT INTO webhooks (id, url, encrypted_secret, events, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [
          chosenId(webhook, 'whk'),
          webhook.url,
          webhook.encrypted_secret,
          JSON.stringify(webhook.events),
          webhook.now,
        ],
      )
      return webhookFromRow(row as WebhookRow)
    },

    async listWebhooks() {
      const rows = await all<WebhookRow>(pool, 'SELECT * FROM webhooks ORDER BY created_at, id')
      return rows.map(webhookFromRow)
    },

    async deleteWebhook(id) {
      return ctx.write(async (client) => {
        // Its secret goes with it, so what was still queued for it can never be signed.
        await client.query(
          `UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deleted'
           WHERE webhook_id = $1 AND status = 'pending'`,
          [id],
        )
        const result = await client.query('DELETE FROM webhooks WHERE id = $1', [id])
        return (result.rowCount ?? 0) > 0
      })
    },

    async addDelivery(delivery) {
      const row = await first<DeliveryRow>(
        pool,
        `INSERT INTO webhook_deliveries
           (id, webhook_id, request_id, url, event, body, status, attempts, next_attempt_at,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) RETURNING *`,
        [
          chosenId(delivery, 'dlv'),
          delivery.webhook_id ?? null,
          delivery.request_id,
          delivery.url,
          delivery.event,
          delivery.body,
          delivery.now,
        ],
      )
      return deliveryFromRow(row as DeliveryRow)
    },

    async claimDueDeliveries(now, limit, leaseUntil) {
      // SKIP LOCKED: concurrent claimers take disjoint rows instead of waiting for each other.
      const rows = await all<DeliveryRow>(
        pool,
        `UPDATE webhook_deliveries SET next_attempt_at = $3
         WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [now, Math.max(0, Math.floor(limit)), leaseUntil],
      )
      // RETURNING keeps no order; the claim order is creation order.
      return rows
        .map(deliveryFromRow)
        .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))
    },

    async updateDelivery(id, update) {
      await pool.query(
        `UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,
           last_status = $5, last_error = $6, delivered_at = $7
         WHERE id = $1`,
        [
          id,
          update.status,
          update.attempts,
          update.next_attempt_at,
          update.last_status ?? null,
          update.last_error ?? null,
          update.delivered_at ?? null,
        ],
      )
    },

    async listDeliveries(filter) {
      const rows = await all<DeliveryRow>(
        pool,
        `SELECT * FROM webhook_deliveries WHERE ($1::text IS NULL OR request_id = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        [filter.request_id ?? null, listLimit(filter.limit)],
      )
      return rows.map(deliveryFromRow)
    },

    async putPushSubscription(subscription) {
      await pool.query(
        `INSERT INTO push_subscriptions (endpoint, approver_id, p256dh, auth, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE SET approver_id = excluded.approver_id,
           p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
        [
          subscription.endpoint,
          subscription.approver_id,
          subscription.p256dh,
          subscription.auth,
          ms(subscription.created_at, 'created_at'),
        ],
      )
    },

    async listPushSubscriptions(approverId) {
      const rows = await all<PushRow>(
        pool,
        `SELECT * FROM push_subscriptions WHERE ($1::text IS NULL OR approver_id = $1)
         ORDER BY created_at, endpoint`,
        [approverId ?? null],
      )
      return rows.map(pushFromRow)
    },

    async deletePushSubscription(endpoint) {
      await pool.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint])
    },
  }
}
