import type { ResolutionMethod } from '../../approval/approval-request.js'
import type { RequestRow } from '../migrations/request-rows.js'
import type { ApprovalEvent } from '../store.js'
import { first, type Queryable } from './postgres-context.js'

/** Statements several request methods share; each runs inside the caller's transaction. */

export async function readRequestRow(
  db: Queryable,
  id: string,
  lock = false,
): Promise<RequestRow | undefined> {
  const forUpdate = lock ? ' FOR UPDATE' : ''
  return first<RequestRow>(db, `SELECT * FROM approval_requests WHERE id = $1${forUpdate}`, [id])
}

export interface EventInput {
  request_id: string
  event: ApprovalEvent['event']
  at: number
  actor?: string | undefined
  method?: ResolutionMethod | undefined
  detail?: Record<string, unknown> | undefined
}

export async function addEvent(db: Queryable, event: EventInput): Promise<void> {
  await db.query(
    `INSERT INTO approval_events (request_id, event, at, actor, method, detail)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      event.request_id,
      event.event,
      event.at,
      event.actor ?? null,
      event.method ?? null,
      event.detail === undefined ? null : JSON.stringify(event.detail),
    ],
  )
}

/** Moves the requests' ledger entries (if any) out of `from` states into `to`. */
export async function setLedgerState(
  db: Queryable,
  requestIds: readonly string[],
  from: readonly ('reserved' | 'booked')[],
  to: 'booked' | 'released',
): Promise<void> {
  await db.query(
    `UPDATE spending_ledger SET state = $1 WHERE request_id = ANY($2::text[]) AND state = ANY($3::text[])`,
    [to, requestIds, from],
  )
}

/** pending → expired if due at `now`, with its event; the updated row, or undefined. */
export async function expireIfDue(
  db: Queryable,
  id: string,
  now: number,
  changed: string[],
): Promise<RequestRow | undefined> {
  const row = await first<RequestRow>(
    db,
    `UPDATE approval_requests SET status = 'expired', resolved_at = expires_at
     WHERE id = $1 AND status = 'pending' AND expires_at <= $2 RETURNING *`,
    [id, now],
  )
  if (row === undefined) return undefined
  await addEvent(db, { request_id: row.id, event: 'expired', at: Number(row.expires_at) })
  await setLedgerState(db, [row.id], ['reserved'], 'released')
  changed.push(row.id)
  return row
}
