import type { ApprovalRequest } from '../../approval/approval-request.js'
import {
  eventFromRow,
  REQUEST_COLUMNS,
  requestFromRow,
  requestValues,
  type EventRow,
  type RequestRow,
} from '../migrations/request-rows.js'
import { listLimit } from '../migrations/transition-rules.js'
import type { RequestFilter, Store } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'
import { addEvent, expireIfDue, readRequestRow, recordExpiry } from './sqlite-request-rows.js'

type RequestMethods = Pick<
  Store,
  'createRequest' | 'getRequest' | 'listRequests' | 'expireDue' | 'listEvents'
>

export function sqliteRequestMethods(ctx: SqliteContext): RequestMethods {
  const insert = `INSERT INTO approval_requests (${REQUEST_COLUMNS.join(', ')})
    VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')}) RETURNING *`

  function expireAllDue(now: number): string[] {
    return ctx.write((changed) => {
      const rows = ctx
        .sql(
          `UPDATE approval_requests SET status = 'expired', resolved_at = expires_at
           WHERE status = 'pending' AND expires_at <= ? RETURNING id, expires_at`,
        )
        .all(now) as Pick<RequestRow, 'id' | 'expires_at'>[]
      for (const row of rows) {
        recordExpiry(ctx, row.id, Number(row.expires_at))
        changed.push(row.id)
      }
      return rows.map((row) => row.id)
    })
  }

  return {
    async createRequest(request) {
      return ctx.write((changed) => {
        const row = ctx.sql(insert).get(...requestValues(request)) as RequestRow
        addEvent(ctx, {
          request_id: row.id,
          event: 'requested',
          at: Number(row.created_at),
          actor: row.created_by,
        })
        changed.push(row.id)
        return requestFromRow(row)
      })
    },

    async getRequest(id, now) {
      const row = readRequestRow(ctx, id)
      if (row === undefined) return undefined
      if (row.status === 'pending' && Number(row.expires_at) <= now) {
        const expired = ctx.write((changed) => expireIfDue(ctx, id, now, changed))
        return requestFromRow(expired ?? (readRequestRow(ctx, id) as RequestRow))
      }
      return requestFromRow(row)
    },

    async listRequests(filter: RequestFilter, now): Promise<ApprovalRequest[]> {
      const due = ctx
        .sql(`SELECT 1 FROM approval_requests WHERE status = 'pending' AND expires_at <= ? LIMIT 1`)
        .get(now)
      if (due !== undefined) expireAllDue(now)
      const where: string[] = []
      const params: unknown[] = []
      for (const column of ['status', 'action_type', 'created_by'] as const) {
        const value = filter[column]
        if (value !== undefined) {
          where.push(`${column} = ?`)
          params.push(value)
        }
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
      const rows = ctx
        .sql(`SELECT * FROM approval_requests ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .all(...params, listLimit(filter.limit)) as RequestRow[]
      return rows.map(requestFromRow)
    },

    async expireDue(now) {
      return expireAllDue(now)
    },

    async listEvents(requestId) {
      const rows = ctx
        .sql('SELECT * FROM approval_events WHERE request_id = ? ORDER BY id')
        .all(requestId) as EventRow[]
      return rows.map(eventFromRow)
    },
  }
}
