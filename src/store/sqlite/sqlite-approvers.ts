import {
  approverFromRow,
  passkeyFromRow,
  type ApproverRow,
  type PasskeyRow,
} from '../migrations/record-rows.js'
import { ms } from '../migrations/row-values.js'
import { duplicateApprover } from '../migrations/store-errors.js'
import type { Store } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'

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

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
}

export function sqliteApproverMethods(ctx: SqliteContext): ApproverMethods {
  return {
    async createApprover(approver) {
      try {
        const row = ctx
          .sql('INSERT INTO approvers (id, name, role, created_at) VALUES (?, ?, ?, ?) RETURNING *')
          .get(approver.id, approver.name, approver.role, approver.now) as ApproverRow
        return approverFromRow(row)
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateApprover(approver.name, error)
        throw error
      }
    },

    async getApprover(id) {
      const row = ctx.sql('SELECT * FROM approvers WHERE id = ? AND removed_at IS NULL').get(id) as
        ApproverRow | undefined
      return row === undefined ? undefined : approverFromRow(row)
    },

    async getApproverByName(name) {
      const row = ctx
        .sql('SELECT * FROM approvers WHERE name = ? AND removed_at IS NULL')
        .get(name) as ApproverRow | undefined
      return row === undefined ? undefined : approverFromRow(row)
    },

    async listApprovers() {
      const rows = ctx
        .sql('SELECT * FROM approvers ORDER BY created_at, name')
        .all() as ApproverRow[]
      return rows.map(approverFromRow)
    },

    async removeApprover(id, now) {
      return ctx.write(() => {
        const removed = ctx
          .sql(
            `UPDATE approvers SET removed_at = ?, totp_secret = NULL, totp_enabled = NULL
             WHERE id = ? AND removed_at IS NULL`,
          )
          .run(now, id)
        if (removed.changes !== 1) return false
        ctx.sql('DELETE FROM one_time_tokens WHERE approver_id = ?').run(id)
        ctx.sql('DELETE FROM push_subscriptions WHERE approver_id = ?').run(id)
        return true
      })
    },

    async setTotp(approverId, totp) {
      ctx
        .sql('UPDATE approvers SET totp_secret = ?, totp_enabled = ? WHERE id = ?')
        .run(
          totp?.encrypted_secret ?? null,
          totp === undefined ? null : Number(totp.enabled),
          approverId,
        )
    },

    async useTotpStep(approverId, step) {
      const result = ctx
        .sql(
          `UPDATE approvers SET totp_last_step = @step
           WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)`,
        )
        .run({ id: approverId, step })
      return result.changes === 1
    },

    async addPasskey(credential) {
      ctx
        .sql(
          `INSERT INTO passkeys
             (id, approver_id, public_key, counter, transports, user_verified, created_at, label)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          credential.id,
          credential.approver_id,
          credential.public_key,
          credential.counter,
          credential.transports === undefined ? null : JSON.stringify(credential.transports),
          Number(credential.user_verified),
          ms(credential.created_at, 'created_at'),
          credential.label ?? null,
        )
    },

    async getPasskey(credentialId) {
      const row = ctx.sql('SELECT * FROM passkeys WHERE id = ?').get(credentialId) as
        PasskeyRow | undefined
      return row === undefined ? undefined : passkeyFromRow(row)
    },

    async listPasskeys(approverId) {
      const rows = ctx
        .sql('SELECT * FROM passkeys WHERE approver_id = ? ORDER BY created_at, id')
        .all(approverId) as PasskeyRow[]
      return rows.map(passkeyFromRow)
    },

    async updatePasskeyCounter(credentialId, expected, next) {
      const result = ctx
        .sql('UPDATE passkeys SET counter = ? WHERE id = ? AND counter = ?')
        .run(next, credentialId, expected)
      return result.changes === 1
    },
  }
}
