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
import type { SqliteContext } from './sqlite-context.js'
import { sqliteSpent } from './sqlite-transitions.js'

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

export function sqliteAdminMethods(ctx: SqliteContext): AdminMethods {
  return {
    async putSpendingLimit(limit) {
      const row = ctx
        .sql(
          `INSERT INTO spending_limits
             (id, agent, action_type, period, limit_amount, currency, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          chosenId(limit, 'lim'),
          limit.agent ?? null,
          limit.action_type,
          limit.period,
          limit.limit,
          limit.currency ?? null,
          limit.now,
        ) as LimitRow
      return limitFromRow(row)
    },

    async listSpendingLimits() {
      const rows = ctx
        .sql('SELECT * FROM spending_limits ORDER BY created_at, id')
        .all() as LimitRow[]
      return rows.map(limitFromRow)
    },

    async deleteSpendingLimit(id) {
      return ctx.sql('DELETE FROM spending_limits WHERE id = ?').run(id).changes > 0
    },

    async spentInWindow(window) {
      return sqliteSpent(ctx, window)
    },

    async putWebhook(webhook) {
      const row = ctx
        .sql(
          `INSERT INTO webhooks (id, url, encrypted_secret, events, created_at)
           VALUES (?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          chosenId(webhook, 'whk'),
          webhook.url,
          webhook.encrypted_secret,
          JSON.stringify(webhook.events),
          webhook.now,
        ) as WebhookRow
      return webhookFromRow(row)
    },

    async listWebhooks() {
      const rows = ctx.sql('SELECT * FROM webhooks ORDER BY created_at, id').all() as WebhookRow[]
      return rows.map(webhookFromRow)
    },

    async deleteWebhook(id) {
      return ctx.write(() => {
        // Its secret goes with it, so what was still queued for it can never be signed.
        ctx
          .sql(
            `UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deleted'
             WHERE webhook_id = ? AND status = 'pending'`,
          )
          .run(id)
        return ctx.sql('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0
      })
    },

    async addDelivery(delivery) {
      const row = ctx
        .sql(
          `INSERT INTO webhook_deliveries
             (id, webhook_id, request_id, url, event, body, status, attempts, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING *`,
        )
        .get(
          chosenId(delivery, 'dlv'),
          delivery.webhook_id ?? null,
          delivery.request_id,
          delivery.url,
          delivery.event,
          delivery.body,
          delivery.now,
          delivery.now,
        ) as DeliveryRow
      return deliveryFromRow(row)
    },

    async claimDueDeliveries(now, limit, leaseUntil) {
      // BEGIN IMMEDIATE: another process's claim waits for this one, then sees the new lease.
      const rows = ctx.write(() => {
        const due = ctx
          .sql(
            `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at, created_at, id LIMIT ?`,
          )
          .all(now, Math.max(0, Math.floor(limit))) as DeliveryRow[]
        const lease = ctx.sql('UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?')
        for (const row of due) lease.run(leaseUntil, row.id)
        return due.map((row) => ({ ...row, next_attempt_at: leaseUntil }))
      })
      return rows.map(deliveryFromRow)
    },

    async updateDelivery(id, update) {
      ctx
        .sql(
          `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
             last_status = ?, last_error = ?, delivered_at = ?
           WHERE id = ?`,
        )
        .run(
          update.status,
          update.attempts,
          update.next_attempt_at,
          update.last_status ?? null,
          update.last_error ?? null,
          update.delivered_at ?? null,
          id,
        )
    },

    async listDeliveries(filter) {
      const rows = ctx
        .sql(
          `SELECT * FROM webhook_deliveries WHERE (@request_id IS NULL OR request_id = @request_id)
           ORDER BY created_at DESC, id DESC LIMIT @limit`,
        )
        .all({
          request_id: filter.request_id ?? null,
          limit: listLimit(filter.limit),
        }) as DeliveryRow[]
      return rows.map(deliveryFromRow)
    },

    async putPushSubscription(subscription) {
      ctx
        .sql(
          `INSERT INTO push_subscriptions (endpoint, approver_id, p256dh, auth, created_at)
           VALUES (@endpoint, @approver_id, @p256dh, @auth, @created_at)
           ON CONFLICT (endpoint) DO UPDATE SET approver_id = excluded.approver_id,
             p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
        )
        .run({ ...subscription, created_at: ms(subscription.created_at, 'created_at') })
    },

    async listPushSubscriptions(approverId) {
      const rows = ctx
        .sql(
          `SELECT * FROM push_subscriptions WHERE (@approver_id IS NULL OR approver_id = @approver_id)
           ORDER BY created_at, endpoint`,
        )
        .all({ approver_id: approverId ?? null }) as PushRow[]
      return rows.map(pushFromRow)
    },

    async deletePushSubscription(endpoint) {
      ctx.sql('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint)
    },
  }
}
