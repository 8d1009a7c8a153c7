import type { ApprovalRequest } from '../approval-request.js'
import type { SpendingLimit, SpendingWindow } from '../../store/store.js'
import { spendingWindow } from './spending-window.js'

/**
 * The limits that apply to a request (its agent's own, and global ones; same action type),
 * each with the window containing `now`. Passed to Store.approveRequest as the checks.
 */
export function applicableWindows(
  limits: readonly SpendingLimit[],
  request: Pick<ApprovalRequest, 'created_by' | 'action_type'>,
  now: number,
  timeZone: string,
): SpendingWindow[] {
  return limits
    .filter(
      (limit) =>
        limit.action_type === request.action_type &&
        (limit.agent === undefined || limit.agent === request.created_by),
    )
    .map((limit) => toWindow(limit, now, timeZone))
}

/** A limit with the window containing `now`. */
export function toWindow(limit: SpendingLimit, now: number, timeZone: string): SpendingWindow {
  const { start, end } = spendingWindow(limit.period, now, timeZone)
  return {
    limit_id: limit.id,
    ...(limit.agent !== undefined ? { agent: limit.agent } : {}),
    action_type: limit.action_type,
    period: limit.period,
    limit: limit.limit,
    start,
    end,
  }
}
