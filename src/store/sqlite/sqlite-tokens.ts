import {
  apiKeyFromRow,
  tokenFromRow,
  type ApiKeyRow,
  type TokenRow,
} from '../migrations/record-rows.js'
import { ms, optMs } from '../migrations/row-values.js'
import { STALE_AFTER_MS } from '../migrations/transition-rules.js'
import type { Store } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'

type TokenMethods = Pick<
  Store,
  | 'putToken'
  | 'consumeToken'
  | 'peekToken'
  | 'deleteToken'
  | 'countAttempt'
  | 'lookup'
  | 'putApiKey'
  | 'listApiKeys'
  | 'revokeApiKey'
  | 'getSetting'
  | 'putSettingIfAbsent'
>

export function sqliteTokenMethods(ctx: SqliteContext): TokenMethods {
  return {
    async putToken(token) {
      const createdAt = ms(token.created_at, 'created_at')
      ctx.write(() => {
        // Tokens long past their expiry are dead weight; each new one sweeps them.
        ctx.sql('DELETE FROM one_time_tokens WHERE expires_at < ?').run(createdAt - STALE_AFTER_MS)
        ctx
          .sql(
            `INSERT INTO one_time_tokens
               (hash, purpose, approver_id, request_id, content_hash, data, expires_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            token.hash,
            token.purpose,
            token.approver_id ?? null,
            token.request_id ?? null,
            token.content_hash ?? null,
            token.data === undefined ? null : JSON.stringify(token.data),
            ms(token.expires_at, 'expires_at'),
            createdAt,
          )
      })
    },

    async consumeToken(hash, purpose, now) {
      const row = ctx
        .sql(
          `UPDATE one_time_tokens SET used_at = @now
           WHERE hash = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
           RETURNING *`,
        )
        .get({ hash, purpose, now }) as TokenRow | undefined
      return row === undefined ? undefined : tokenFromRow(row)
    },

    async peekToken(hash, purpose, now) {
      const row = ctx
        .sql(
          `SELECT * FROM one_time_tokens
           WHERE hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
        )
        .get(hash, purpose, now) as TokenRow | undefined
      return row === undefined ? undefined : tokenFromRow(row)
    },

    async deleteToken(hash) {
      ctx.sql('DELETE FROM one_time_tokens WHERE hash = ?').run(hash)
    },

    async countAttempt(key, windowStart) {
      return ctx.write(() => {
        ctx
          .sql('DELETE FROM attempt_counters WHERE key = ? AND window_start < ?')
          .run(key, windowStart - STALE_AFTER_MS)
        const row = ctx
          .sql(
            `INSERT INTO attempt_counters (key, window_start, count) VALUES (?, ?, 1)
             ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
             RETURNING count`,
          )
          .get(key, windowStart) as { count: number }
        return Number(row.count)
      })
    },

    async lookup(hash) {
      const row = ctx.sql('SELECT * FROM api_keys WHERE hash = ?').get(hash) as
        ApiKeyRow | undefined
      return row === undefined ? undefined : apiKeyFromRow(row)
    },

    async putApiKey(record) {
      ctx
        .sql(
          `INSERT INTO api_keys
             (hash, prefix, name, user_id, agent_id, roles, created_at, expires_at, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.hash,
          record.prefix,
          record.name ?? null,
          record.user_id,
          record.agent_id ?? null,
          JSON.stringify(record.roles),
          ms(record.created_at, 'created_at'),
          optMs(record.expires_at, 'expires_at'),
          optMs(record.revoked_at, 'revoked_at'),
        )
    },

    async listApiKeys() {
      const rows = ctx
        .sql('SELECT * FROM api_keys ORDER BY created_at, prefix')
        .all() as ApiKeyRow[]
      return rows.map(apiKeyFromRow)
    },

    async revokeApiKey(prefix, now) {
      const result = ctx
        .sql('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE prefix = ?')
        .run(now, prefix)
      return result.changes > 0
    },

    async getSetting(key) {
      const row = ctx.sql('SELECT value FROM settings WHERE key = ?').get(key) as
        { value: string } | undefined
      return row?.value
    },

    async putSettingIfAbsent(key, value) {
      return ctx.write(() => {
        ctx
          .sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING')
          .run(key, value)
        const row = ctx.sql('SELECT value FROM settings WHERE key = ?').get(key) as {
          value: string
        }
        return row.value
      })
    },
  }
}
