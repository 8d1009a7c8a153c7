import {
  approverFromRow,
  passkeyFromRow,
  type ApproverRow,
  type PasskeyRow,
} from '../migrations/record-rows.js'
import { ms } from '../migrations/row-values.js'
import { duplicateApprover } from '../migrations/store-errors.js'
import type { Store } from '../store.js'
import { all, first, type PgContext } from './postgres-context.js'

type ApproverMethods = Pick<
  Store,
  | 'createApprover'
  | 'getApprover'
  | 'getApproverByName'
  | 'listApprovers'
  | 'removeApprover'
  | 'setTotp'
  | 'useTotpStep'
  | 'addPasskey'
  | 'getPasskey'
  | 'listPasskeys'
  | 'updatePasskeyCounter'
>

const UNIQUE_VIOLATION = '23505'

export function postgresApproverMethods(ctx: PgContext): ApproverMethods {
  const { pool } = ctx
  return {
    async createApprover(approver) {
      try {
        const row = await first<ApproverRow>(
          pool,
          'INSERT INTO approvers (id, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING *',
          [approver.id, approver.name, approver.role, approver.now],
        )
        return approverFromRow(row as ApproverRow)
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw duplicateApprover(approver.name, error)
        }
        throw error
      }
    },

    async getApprover(id) {
      const row = await first<ApproverRow>(
        pool,
        'SELECT * FROM approvers WHERE id = $1 AND removed_at IS NULL',
        [id],
      )
      return row === undefined ? undefined : approverFromRow(row)
    },

    async getApproverByName(name) {
      const row = await first<ApproverRow>(
        pool,
        'SELECT * FROM approvers WHERE name = $1 AND removed_at IS NULL',
        [name],
      )
      return row === undefined ? undefined : approverFromRow(row)
    },

    async listApprovers() {
      const rows = await all<ApproverRow>(pool, 'SELECT * FROM approvers ORDER BY created_at, name')
      return rows.map(approverFromRow)
    },

    async removeApprover(id, now) {
      return ctx.write(async (client) => {
        const removed = await client.query(
          `UPDATE approvers SET removed_at = $2, totp_secret = NULL, totp_enabled = NULL
           WHERE id = $1 AND removed_at IS NULL`,
          [id, now],
        )
        if (removed.rowCount !== 1) return false
        await client.query('DELETE FROM one_time_tokens WHERE approver_id = $1', [id])
        await client.query('DELETE FROM push_subscriptions WHERE approver_id = $1', [id])
        return true
      })
    },

    async setTotp(approverId, totp) {
      await pool.query('UPDATE approvers SET totp_secret = $1, totp_enabled = $2 WHERE id = $3', [
        totp?.encrypted_secret ?? null,
        totp?.enabled ?? null,
        approverId,
      ])
    },

    async useTotpStep(approverId, step) {
      const result = await pool.query(
        `UPDATE approvers SET totp_last_step = $2
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`,
        [approverId, step],
      )
      return result.rowCount === 1
    },

    async addPasskey(credential) {
      await pool.query(
        `INSERT INTO passkeys
           (id, approver_id, public_key, counter, transports, user_verified, created_at, label)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          credential.id,
          credential.approver_id,
          credential.public_key,
          credential.counter,
          credential.transports === undefined ? null : JSON.stringify(credential.transports),
          credential.user_verified,
          ms(credential.created_at, 'created_at'),
          credential.label ?? null,
        ],
      )
    },

    async getPasskey(credentialId) {
      const row = await first<PasskeyRow>(pool, 'SELECT * FROM passkeys WHERE id = $1', [
        credentialId,
      ])
      return row === undefined ? undefined : passkeyFromRow(row)
    },

    async listPasskeys(approverId) {
      const rows = await all<PasskeyRow>(
        pool,
        'SELECT * FROM passkeys WHERE approver_id = $1 ORDER BY created_at, id',
        [approverId],
      )
      return rows.map(passkeyFromRow)
    },

    async updatePasskeyCounter(credentialId, expected, next) {
      const result = await pool.query(
        'UPDATE passkeys SET counter = $3 WHERE id = $1 AND counter = $2',
        [credentialId, expected, next],
      )
      return result.rowCount === 1
    },
  }
}
