import {
  apiKeyFromRow,
  tokenFromRow,
  type ApiKeyRow,
  type TokenRow,
} from '../migrations/record-rows.js'
import { ms, optMs } from '../migrations/row-values.js'
import { STALE_AFTER_MS } from '../migrations/transition-rules.js'
import type { Store } from '../store.js'
import { all, first, type PgContext } from './postgres-context.js'

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

export function postgresTokenMethods(ctx: PgContext): TokenMethods {
  const { pool } = ctx
  return {
    async putToken(token) {
      const createdAt = ms(token.created_at, 'created_at')
      // Tokens long past their expiry are dead weight; each new one sweeps them.
      await pool.query('DELETE FROM one_time_tokens WHERE expires_at < $1', [
        createdAt - STALE_AFTER_MS,
      ])
      await pool.query(
        `INSERT INTO one_time_tokens
           (hash, purpose, approver_id, request_id, content_hash, data, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          token.hash,
          token.purpose,
          token.approver_id ?? null,
          token.request_id ?? null,
          token.content_hash ?? null,
          token.data === undefined ? null : JSON.stringify(token.data),
          ms(token.expires_at, 'expires_at'),
          createdAt,
        ],
      )
    },

    async consumeToken(hash, purpose, now) {
      const row = await first<TokenRow>(
        pool,
        `UPDATE one_time_tokens SET used_at = $3
         WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
         RETURNING *`,
        [hash, purpose, now],
      )
      return row === undefined ? undefined : tokenFromRow(row)
    },

    async peekToken(hash, purpose, now) {
      const row = await first<TokenRow>(
        pool,
        `SELECT * FROM one_time_tokens
         WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`,
        [hash, purpose, now],
      )
      return row === undefined ? undefined : tokenFromRow(row)
    },

    async deleteToken(hash) {
      await pool.query('DELETE FROM one_time_tokens WHERE hash = $1', [hash])
    },

    async countAttempt(key, windowStart) {
      await pool.query('DELETE FROM attempt_counters WHERE key = $1 AND window_start < $2', [
        key,
        windowStart - STALE_AFTER_MS,
      ])
      const row = await first<{ count: number }>(
        pool,
        `INSERT INTO attempt_counters (key, window_start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET count = attempt_counters.count + 1
         RETURNING count`,
        [key, windowStart],
      )
      return Number(row?.count)
    },

    async lookup(hash) {
      const row = await first<ApiKeyRow>(pool, 'SELECT * FROM api_keys WHERE hash = $1', [hash])
      return row === undefined ? undefined : apiKeyFromRow(row)
    },

    async putApiKey(record) {
      await pool.query(
        `INSERT INTO api_keys
           (hash, prefix, name, user_id, agent_id, roles, created_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          record.hash,
          record.prefix,
          record.name ?? null,
          record.user_id,
          record.agent_id ?? null,
          JSON.stringify(record.roles),
          ms(record.created_at, 'created_at'),
          optMs(record.expires_at, 'expires_at'),
          optMs(record.revoked_at, 'revoked_at'),
        ],
      )
    },

    async listApiKeys() {
      const rows = await all<ApiKeyRow>(pool, 'SELECT * FROM api_keys ORDER BY created_at, prefix')
      return rows.map(apiKeyFromRow)
    },

    async revokeApiKey(prefix, now) {
      const result = await pool.query(
        'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE prefix = $1',
        [prefix, now],
      )
      return (result.rowCount ?? 0) > 0
    },

    async getSetting(key) {
      const row = await first<{ value: string }>(
        pool,
        'SELECT value FROM settings WHERE key = $1',
        [key],
      )
      return row?.value
    },

    async putSettingIfAbsent(key, value) {
      // The no-op DO UPDATE makes RETURNING yield the row that won, ours or an earlier one.
      const row = await first<{ value: string }>(
        pool,
        `INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = settings.value RETURNING value`,
        [key, value],
      )
      return (row as { value: string }).value
    },
  }
}
