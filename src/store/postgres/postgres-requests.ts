import {
  eventFromRow,
  REQUEST_COLUMNS,
  requestFromRow,
  requestValues,
  type EventRow,
  type RequestRow,
} from '../migrations/request-rows.js'
import { listLimit } from '../migrations/transition-rules.js'
import type { Store } from '../store.js'
import { all, first, type PgContext } from './postgres-context.js'
import { addEvent, expireIfDue, readRequestRow, setLedgerState } from './postgres-request-rows.js'

type RequestMethods = Pick<
  Store,
  'createRequest' | 'getRequest' | 'listRequests' | 'expireDue' | 'listEvents'
>

const INSERT_REQUEST = `INSERT INTO approval_requests (${REQUEST_COLUMNS.join(', ')})
  VALUES (${REQUEST_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING *`

export function postgresRequestMethods(ctx: PgContext): RequestMethods {
  async function expireAllDue(now: number): Promise<string[]> {
    return ctx.write(async (client, changed) => {
      // SKIP LOCKED: a row another transaction holds is being resolved (or expired) there.
      const rows = await all<Pick<RequestRow, 'id' | 'expires_at'>>(
        client,
        `UPDATE approval_requests AS r SET status = 'expired', resolved_at = r.expires_at
         FROM (SELECT id FROM approval_requests
               WHERE status = 'pending' AND expires_at <= $1
               ORDER BY id FOR UPDATE SKIP LOCKED) AS due
         WHERE r.id = due.id RETURNING r.id, r.expires_at`,
        [now],
      )
      if (rows.length === 0) return []
      const ids = rows.map((row) => row.id)
      await client.query(
        `INSERT INTO approval_events (request_id, event, at)
         SELECT id, 'expired', expires_at FROM approval_requests WHERE id = ANY($1::text[])
         ORDER BY expires_at, id`,
        [ids],
      )
      await setLedgerState(client, ids, ['reserved'], 'released')
      changed.push(...ids)
      return ids
    })
  }

  return {
    async createRequest(request) {
      return ctx.write(async (client, changed) => {
        const row = (await first<RequestRow>(
          client,
          INSERT_REQUEST,
          requestValues(request),
        )) as RequestRow
        await addEvent(client, {
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
      const row = await readRequestRow(ctx.pool, id)
      if (row === undefined) return undefined
      if (row.status === 'pending' && Number(row.expires_at) <= now) {
        const expired = await ctx.write((client, changed) => expireIfDue(client, id, now, changed))
        return requestFromRow(expired ?? ((await readRequestRow(ctx.pool, id)) as RequestRow))
      }
      return requestFromRow(row)
    },

    async listRequests(filter, now) {
      const due = await first(
        ctx.pool,
        `SELECT 1 FROM approval_requests WHERE status = 'pending' AND expires_at <= $1 LIMIT 1`,
        [now],
      )
      if (due !== undefined) await expireAllDue(now)
      const where: string[] = []
      const params: unknown[] = []
      for (const column of ['status', 'action_type', 'created_by'] as const) {
        const value = filter[column]
        if (value !== undefined) {
          params.push(value)
          where.push(`${column} = $${params.length}`)
        }
      }
      params.push(listLimit(filter.limit))
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
      const rows = await all<RequestRow>(
        ctx.pool,
        `SELECT * FROM approval_requests ${clause}
         ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
        params,
      )
      return rows.map(requestFromRow)
    },

    async expireDue(now) {
      return expireAllDue(now)
    },

    async listEvents(requestId) {
      const rows = await all<EventRow>(
        ctx.pool,
        'SELECT * FROM approval_events WHERE request_id = $1 ORDER BY id',
        [requestId],
      )
      return rows.map(eventFromRow)
    },
  }
}
