import type { ActionType } from '../approval-request.js'
import type { SpendingLimit, Store } from '../../store/store.js'
import { toWindow } from './spending-windows.js'

/** One limit as an agent sees it: how much of the current window is used. */
export interface SpendingSummaryItem {
  limit_id: string
  /** Absent for a global limit (every agent together). */
  agent?: string
  action_type: ActionType
  period: string
  limit: number
  currency?: string
  /** Reserved (approved, not yet executed) plus booked (executed) in the window. */
  spent: number
  /** limit − spent, never below 0. */
  remaining: number
  /** spent / limit × 100, rounded to 2 decimals; may exceed 100 if a limit was lowered. */
  utilization_pct: number
  window_start: string
  window_end: string
}

const PERIOD_ORDER: Record<SpendingLimit['period'], number> = { daily: 0, weekly: 1, monthly: 2 }

/**
 * The limits that apply to `agent` (its own and the global ones) with their use in the
 * window containing `now`; sorted by action type, period, then the agent's own limit first.
 */
export async function spendingSummary(
  store: Store,
  agent: string,
  now: number,
  timeZone: string,
): Promise<SpendingSummaryItem[]> {
  const limits = (await store.listSpendingLimits())
    .filter((limit) => limit.agent === undefined || limit.agent === agent)
    .sort(
      (a, b) =>
        a.action_type.localeCompare(b.action_type) ||
        PERIOD_ORDER[a.period] - PERIOD_ORDER[b.period] ||
        Number(a.agent === undefined) - Number(b.agent === undefined) ||
        a.id.localeCompare(b.id),
    )
  return Promise.all(
    limits.map(async (limit) => {
      const window = toWindow(limit, now, timeZone)
      const spent = tidy(await store.spentInWindow(window))
      return {
        limit_id: limit.id,
        ...(limit.agent !== undefined ? { agent: limit.agent } : {}),
        action_type: limit.action_type,
        period: limit.period,
        limit: limit.limit,
        ...(limit.currency !== undefined ? { currency: limit.currency } : {}),
        spent,
        remaining: Math.max(0, tidy(limit.limit - spent)),
        utilization_pct: utilization(spent, limit.limit),
        window_start: new Date(window.start).toISOString(),
        window_end: new Date(window.end).toISOString(),
      }
    }),
  )
}

function utilization(spent: number, limit: number): number {
  if (limit <= 0) return spent > 0 ? 100 : 0
  return Math.round((spent / limit) * 10_000) / 100
}

/** Drops binary floating-point noise from sums of decimal amounts (0.1 + 0.2 → 0.3). */
function tidy(amount: number): number {
  return Number(amount.toPrecision(12))
}
