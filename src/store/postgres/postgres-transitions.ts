import type pg from 'pg'
import { requestFromRow, type RequestRow } from '../migrations/request-rows.js'
import {
  claimRefusal,
  firstOverLimit,
  limitIds,
  resolveRefusal,
} from '../migrations/transition-rules.js'
import type { SpendingWindow, Store, TransitionOutcome } from '../store.js'
import { first, type PgContext, type Queryable } from './postgres-context.js'
import { addEvent, expireIfDue, readRequestRow, setLedgerState } from './postgres-request-rows.js'

type TransitionMethods = Pick<
  Store,
  'approveRequest' | 'denyRequest' | 'withdrawRequest' | 'claimExecution' | 'recordExecutionResult'
>

// Namespace of the per-limit transaction locks (two-int form; the migration lock is one bigint).
const LIMIT_LOCK_SPACE = 0x5741

export async function postgresSpent(db: Queryable, window: SpendingWindow): Promise<number> {
  const row = await first<{ spent: number }>(
    db,
    `SELECT COALESCE(SUM(amount), 0) AS spent FROM spending_ledger
     WHERE state IN ('reserved', 'booked') AND action_type = $1
       AND at >= $2 AND at < $3 AND ($4::text IS NULL OR agent = $4)`,
    [window.action_type, window.start, window.end, window.agent ?? null],
  )
  return Number(row?.spent ?? 0)
}

type Checked = { refusal: TransitionOutcome } | { row: RequestRow }

/**
 * Locks the request row and makes the checks every pending → resolved transition makes:
 * a refusal (persisting the expiry of a due request), or the row to resolve.
 */
async function checkPending(
  client: pg.PoolClient,
  id: string,
  now: number,
  changed: string[],
  expectedHash?: string,
): Promise<Checked> {
  const row = await readRequestRow(client, id, true)
  const refusal = resolveRefusal(row, now, expectedHash)
  if (refusal === undefined) return { row: row as RequestRow }
  if (refusal === 'expire') {
    const expired = (await expireIfDue(client, id, now, changed)) as RequestRow
    return { refusal: { ok: false, reason: 'expired', request: requestFromRow(expired) } }
  }
  return {
    refusal: { ok: false, reason: refusal, ...(row ? { request: requestFromRow(row) } : {}) },
  }
}

/** The conditional UPDATE itself: only a pending request that is not yet due changes. */
async function resolve(
  client: pg.PoolClient,
  id: string,
  now: number,
  set: string,
  params: unknown[],
): Promise<RequestRow> {
  const row = await first<RequestRow>(
    client,
    `UPDATE approval_requests SET ${set}
     WHERE id = $${params.length + 1} AND status = 'pending' AND expires_at > $${params.length + 2}
     RETURNING *`,
    [...params, id, now],
  )
  // checkPending holds the row lock, so the row cannot have moved.
  if (row === undefined) throw new Error(`request ${id} changed inside its transaction`)
  return row
}

export function postgresTransitionMethods(ctx: PgContext): TransitionMethods {
  return {
    async approveRequest(input) {
      return ctx.write(async (client, changed): Promise<TransitionOutcome> => {
        // Approvals under a shared limit queue here, so each one sums what the previous reserved.
        for (const limitId of limitIds(input.spending)) {
          await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
            LIMIT_LOCK_SPACE,
            limitId,
          ])
        }
        const checked = await checkPending(
          client,
          input.id,
          input.now,
          changed,
          input.expected_content_hash,
        )
        if ('refusal' in checked) return checked.refusal
        const amount = checked.row.amount === null ? null : Number(checked.row.amount)
        if (amount !== null) {
          const spent: number[] = []
          for (const window of input.spending) spent.push(await postgresSpent(client, window))
          const over = firstOverLimit(input.spending, spent, amount)
          if (over !== undefined) {
            const request = requestFromRow(checked.row)
            return { ok: false, reason: 'over_limit', request, over_limit: over }
          }
        }
        const row = await resolve(
          client,
          input.id,
          input.now,
          `status = 'approved', resolved_at = $1, resolved_by = $2, method = $3, evidence = $4`,
          [input.now, input.resolved_by, input.method, JSON.stringify(input.evidence)],
        )
        if (amount !== null) {
          await client.query(
            `INSERT INTO spending_ledger (request_id, agent, action_type, amount, at, state)
             VALUES ($1, $2, $3, $4, $5, 'reserved')`,
            [row.id, row.created_by, row.action_type, amount, input.now],
          )
        }
        await addEvent(client, {
          request_id: row.id,
          event: 'approved',
          at: input.now,
          actor: input.resolved_by,
          method: input.method,
        })
        changed.push(row.id)
        return { ok: true, request: requestFromRow(row) }
      })
    },

    async denyRequest(input) {
      return ctx.write(async (client, changed): Promise<TransitionOutcome> => {
        const checked = await checkPending(
          client,
          input.id,
          input.now,
          changed,
          input.expected_content_hash,
        )
        if ('refusal' in checked) return checked.refusal
        const row = await resolve(
          client,
          input.id,
          input.now,
          `status = 'denied', resolved_at = $1, resolved_by = $2, method = $3, evidence = $4,
           deny_reason = $5`,
          [
            input.now,
            input.resolved_by,
            input.method,
            JSON.stringify(input.evidence),
            input.reason ?? null,
          ],
        )
        await setLedgerState(client, [row.id], ['reserved'], 'released')
        await addEvent(client, {
          request_id: row.id,
          event: 'denied',
          at: input.now,
          actor: input.resolved_by,
          method: input.method,
          detail: input.reason === undefined ? undefined : { reason: input.reason },
        })
        changed.push(row.id)
        return { ok: true, request: requestFromRow(row) }
      })
    },

    async withdrawRequest(id, createdBy, now) {
      return ctx.write(async (client, changed): Promise<TransitionOutcome> => {
        // Another agent's request is reported as absent, as the API does.
        const owner = (await readRequestRow(client, id))?.created_by
        if (owner !== undefined && owner !== createdBy) return { ok: false, reason: 'not_found' }
        const checked = await checkPending(client, id, now, changed)
        if ('refusal' in checked) return checked.refusal
        const row = await resolve(
          client,
          id,
          now,
          `status = 'denied', resolved_at = $1, resolved_by = $2, deny_reason = 'withdrawn'`,
          [now, createdBy],
        )
        await setLedgerState(client, [row.id], ['reserved'], 'released')
        await addEvent(client, {
          request_id: row.id,
          event: 'withdrawn',
          at: now,
          actor: createdBy,
        })
        changed.push(row.id)
        return { ok: true, request: requestFromRow(row) }
      })
    },

    async claimExecution(input) {
      return ctx.write(async (client, changed): Promise<TransitionOutcome> => {
        const row = await first<RequestRow>(
          client,
          `UPDATE approval_requests SET status = 'executed', executed_at = $2
           WHERE id = $1 AND status = 'approved' AND content_hash = $3
             AND ($4::text IS NULL OR created_by = $4)
             AND ($5::text IS NULL OR policy_version = $5)
           RETURNING *`,
          [
            input.id,
            input.now,
            input.content_hash,
            input.created_by ?? null,
            input.policy_version ?? null,
          ],
        )
        if (row === undefined) {
          const current = await readRequestRow(client, input.id)
          const reason = claimRefusal(current, input)
          return { ok: false, reason, ...(current ? { request: requestFromRow(current) } : {}) }
        }
        await setLedgerState(client, [row.id], ['reserved'], 'booked')
        await addEvent(client, {
          request_id: row.id,
          event: 'executed',
          at: input.now,
          actor: row.created_by,
        })
        changed.push(row.id)
        return { ok: true, request: requestFromRow(row) }
      })
    },

    async recordExecutionResult(id, result, now) {
      return ctx.write(async (client, changed) => {
        const row = await first<RequestRow>(
          client,
          `UPDATE approval_requests SET execution_result = $1
           WHERE id = $2 AND status = 'executed' AND execution_result IS NULL RETURNING *`,
          [result, id],
        )
        if (row === undefined) {
          const current = await readRequestRow(client, id)
          return current === undefined ? undefined : requestFromRow(current)
        }
        if (result === 'failed') {
          await setLedgerState(client, [id], ['reserved', 'booked'], 'released')
        }
        await addEvent(client, { request_id: id, event: `execution_${result}`, at: now })
        changed.push(id)
        return requestFromRow(row)
      })
    },
  }
}
