import type { ApprovalRequest } from '../approval/approval-request.js'
import type { WebhookDispatcher } from '../approval/webhooks/webhook-dispatcher.js'
import type { WardenMetrics } from './warden-metrics.js'

/** The transitions that end `pending`; every one of them is announced to the dispatcher. */
const RESOLUTIONS = new Set(['approval.approved', 'approval.denied', 'approval.expired'])

/**
 * `dispatcher` that also counts each resolution by status and method, with how long the
 * request was pending: the approval service announces every transition through it.
 */
export function countResolutions(
  dispatcher: WebhookDispatcher,
  metrics: WardenMetrics,
): WebhookDispatcher {
  return {
    enqueue(event, request, now) {
      if (RESOLUTIONS.has(event)) {
        metrics.approvalResolved(request.status, request.method, pendingSeconds(request))
      }
      return dispatcher.enqueue(event, request, now)
    },
    runDue: (now) => dispatcher.runDue(now),
    start: () => dispatcher.start(),
    stop: () => dispatcher.stop(),
  }
}

function pendingSeconds(request: ApprovalRequest): number | undefined {
  if (request.resolved_at === undefined) return undefined
  const waited = Date.parse(request.resolved_at) - Date.parse(request.created_at)
  return Number.isFinite(waited) ? waited / 1000 : undefined
}
