import type { ResolutionMethod } from '../../approval/approval-request.js'
import type { RequestRow } from '../migrations/request-rows.js'
import type { ApprovalEvent } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'

/** Statements several request methods share; each runs inside the caller's transaction. */

export function readRequestRow(ctx: SqliteContext, id: string): RequestRow | undefined {
  return ctx.sql('SELECT * FROM approval_requests WHERE id = ?').get(id) as RequestRow | undefined
}

export interface EventInput {
  request_id: string
  event: ApprovalEvent['event']
  at: number
  actor?: string | undefined
  method?: ResolutionMethod | undefined
  detail?: Record<string, unknown> | undefined
}

export function addEvent(ctx: SqliteContext, event: EventInput): void {
  ctx
    .sql(
      `INSERT INTO approval_events (request_id, event, at, actor, method, detail)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      event.request_id,
      event.event,
      event.at,
      event.actor ?? null,
      event.method ?? null,
      event.detail === undefined ? null : JSON.stringify(event.detail),
    )
}

/** Moves the request's ledger entry (if any) out of `from` states into `to`. */
export function setLedgerState(
  ctx: SqliteContext,
  requestId: string,
  from: readonly ('reserved' | 'booked')[],
  to: 'booked' | 'released',
): void {
  const states = from.map((state) => `'${state}'`).join(', ')
  ctx
    .sql(`UPDATE spending_ledger SET state = ? WHERE request_id = ? AND state IN (${states})`)
    .run(to, requestId)
}

/** pending → expired if due at `now`, with its event; the updated row, or undefined. */
export function expireIfDue(
  ctx: SqliteContext,
  id: string,
  now: number,
  changed: string[],
): RequestRow | undefined {
  const row = ctx
    .sql(
      `UPDATE approval_requests SET status = 'expired', resolved_at = expires_at
       WHERE id = ? AND status = 'pending' AND expires_at <= ? RETURNING *`,
    )
    .get(id, now) as RequestRow | undefined
  if (row === undefined) return undefined
  recordExpiry(ctx, row.id, Number(row.expires_at))
  changed.push(row.id)
  return row
}

export function recordExpiry(ctx: SqliteContext, id: string, at: number): void {
  addEvent(ctx, { request_id: id, event: 'expired', at })
  setLedgerState(ctx, id, ['reserved'], 'released')
}
