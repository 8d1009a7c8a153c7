import { requestFromRow, type RequestRow } from '../migrations/request-rows.js'
import { claimRefusal, firstOverLimit, resolveRefusal } from '../migrations/transition-rules.js'
import type { ApproveInput, DenyInput, SpendingWindow, Store, TransitionOutcome } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'
import { addEvent, expireIfDue, readRequestRow, setLedgerState } from './sqlite-request-rows.js'

type TransitionMethods = Pick<
  Store,
  'approveRequest' | 'denyRequest' | 'withdrawRequest' | 'claimExecution' | 'recordExecutionResult'
>

export function sqliteSpent(ctx: SqliteContext, window: SpendingWindow): number {
  const row = ctx
    .sql(
      `SELECT COALESCE(SUM(amount), 0) AS spent FROM spending_ledger
       WHERE state IN ('reserved', 'booked') AND action_type = @action_type
         AND at >= @start AND at < @end AND (@agent IS NULL OR agent = @agent)`,
    )
    .get({
      action_type: window.action_type,
      start: window.start,
      end: window.end,
      agent: window.agent ?? null,
    }) as { spent: number }
  return Number(row.spent)
}

export function sqliteTransitionMethods(ctx: SqliteContext): TransitionMethods {
  /**
   * The checks every pending → resolved transition makes, in the caller's transaction:
   * a refusal (persisting the expiry of a due request), or the row to resolve.
   */
  function checkPending(
    id: string,
    now: number,
    changed: string[],
    expectedHash?: string,
  ): { refusal: TransitionOutcome } | { row: RequestRow } {
    const row = readRequestRow(ctx, id)
    const refusal = resolveRefusal(row, now, expectedHash)
    if (refusal === undefined) return { row: row as RequestRow }
    if (refusal === 'expire') {
      const expired = expireIfDue(ctx, id, now, changed) as RequestRow
      return { refusal: { ok: false, reason: 'expired', request: requestFromRow(expired) } }
    }
    return {
      refusal: { ok: false, reason: refusal, ...(row ? { request: requestFromRow(row) } : {}) },
    }
  }

  /** The conditional UPDATE itself: only a pending request that is not yet due changes. */
  function resolve(id: string, now: number, set: string, params: unknown[]): RequestRow {
    const row = ctx
      .sql(
        `UPDATE approval_requests SET ${set}
         WHERE id = ? AND status = 'pending' AND expires_at > ? RETURNING *`,
      )
      .get(...params, id, now) as RequestRow | undefined
    // checkPending ran under the same write lock, so the row cannot have moved.
    if (row === undefined) throw new Error(`request ${id} changed inside its transaction`)
    return row
  }

  function approve(input: ApproveInput): TransitionOutcome {
    return ctx.write((changed) => {
      const checked = checkPending(input.id, input.now, changed, input.expected_content_hash)
      if ('refusal' in checked) return checked.refusal
      const amount = checked.row.amount
      if (amount !== null) {
        const spent = input.spending.map((window) => sqliteSpent(ctx, window))
        const over = firstOverLimit(input.spending, spent, Number(amount))
        if (over !== undefined) {
          return {
            ok: false,
            reason: 'over_limit',
            request: requestFromRow(checked.row),
            over_limit: over,
          }
        }
      }
      const row = resolve(
        input.id,
        input.now,
        `status = 'approved', resolved_at = ?, resolved_by = ?, method = ?, evidence = ?`,
        [input.now, input.resolved_by, input.method, JSON.stringify(input.evidence)],
      )
      if (amount !== null) {
        ctx
          .sql(
            `INSERT INTO spending_ledger (request_id, agent, action_type, amount, at, state)
             VALUES (?, ?, ?, ?, ?, 'reserved')`,
          )
          .run(row.id, row.created_by, row.action_type, Number(amount), input.now)
      }
      addEvent(ctx, {
        request_id: row.id,
        event: 'approved',
        at: input.now,
        actor: input.resolved_by,
        method: input.method,
      })
      changed.push(row.id)
      return { ok: true, request: requestFromRow(row) }
    })
  }

  function deny(input: DenyInput): TransitionOutcome {
    return ctx.write((changed) => {
      const checked = checkPending(input.id, input.now, changed, input.expected_content_hash)
      if ('refusal' in checked) return checked.refusal
      const row = resolve(
        input.id,
        input.now,
        `status = 'denied', resolved_at = ?, resolved_by = ?, method = ?, evidence = ?, deny_reason = ?`,
        [
          input.now,
          input.resolved_by,
          input.method,
          JSON.stringify(input.evidence),
          input.reason ?? null,
        ],
      )
      setLedgerState(ctx, row.id, ['reserved'], 'released')
      addEvent(ctx, {
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
  }

  return {
    async approveRequest(input) {
      return approve(input)
    },

    async denyRequest(input) {
      return deny(input)
    },

    async withdrawRequest(id, createdBy, now) {
      return ctx.write((changed): TransitionOutcome => {
        // Another agent's request is reported as absent, as the API does.
        const owner = readRequestRow(ctx, id)?.created_by
        if (owner !== undefined && owner !== createdBy) return { ok: false, reason: 'not_found' }
        const checked = checkPending(id, now, changed)
        if ('refusal' in checked) return checked.refusal
        const row = resolve(
          id,
          now,
          `status = 'denied', resolved_at = ?, resolved_by = ?, deny_reason = 'withdrawn'`,
          [now, createdBy],
        )
        setLedgerState(ctx, row.id, ['reserved'], 'released')
        addEvent(ctx, { request_id: row.id, event: 'withdrawn', at: now, actor: createdBy })
        changed.push(row.id)
        return { ok: true, request: requestFromRow(row) }
      })
    },

    async claimExecution(input) {
      return ctx.write((changed): TransitionOutcome => {
        const row = ctx
          .sql(
            `UPDATE approval_requests SET status = 'executed', executed_at = @now
             WHERE id = @id AND status = 'approved' AND content_hash = @content_hash
               AND (@created_by IS NULL OR created_by = @created_by)
               AND (@policy_version IS NULL OR policy_version = @policy_version)
             RETURNING *`,
          )
          .get({
            id: input.id,
            now: input.now,
            content_hash: input.content_hash,
            created_by: input.created_by ?? null,
            policy_version: input.policy_version ?? null,
          }) as RequestRow | undefined
        if (row === undefined) {
          const current = readRequestRow(ctx, input.id)
          const reason = claimRefusal(current, input)
          return { ok: false, reason, ...(current ? { request: requestFromRow(current) } : {}) }
        }
        setLedgerState(ctx, row.id, ['reserved'], 'booked')
        addEvent(ctx, {
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
      return ctx.write((changed) => {
        const row = ctx
          .sql(
            `UPDATE approval_requests SET execution_result = ?
             WHERE id = ? AND status = 'executed' AND execution_result IS NULL RETURNING *`,
          )
          .get(result, id) as RequestRow | undefined
        if (row === undefined) {
          const current = readRequestRow(ctx, id)
          return current === undefined ? undefined : requestFromRow(current)
        }
        if (result === 'failed') setLedgerState(ctx, id, ['reserved', 'booked'], 'released')
        addEvent(ctx, { request_id: id, event: `execution_${result}`, at: now })
        changed.push(id)
        return requestFromRow(row)
      })
    },
  }
}
