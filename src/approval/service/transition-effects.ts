import type { ApprovalRequest } from '../approval-request.js'
import type { ServiceContext } from './service-context.js'

export type ApprovalEventName =
  | 'approval.requested'
  | 'approval.approved'
  | 'approval.denied'
  | 'approval.expired'
  | 'approval.executed'

/**
 * Queues the webhooks for a transition (and buzzes approvers for a new pending request).
 * The transition has already committed; a failure here is reported, never undone.
 */
export function announce(
  context: ServiceContext,
  event: ApprovalEventName,
  request: ApprovalRequest,
): void {
  const now = context.now()
  if (context.webhooks) {
    const webhooks = context.webhooks
    void webhooks
      .enqueue(event, request, now)
      .then(() => webhooks.runDue(now))
      .catch(context.onSideEffectError)
  }
  if (event === 'approval.requested' && request.status === 'pending' && context.push) {
    void context.push.notify(request).catch(context.onSideEffectError)
  }
}

/** The webhook event for a request's current status. */
export function eventFor(request: ApprovalRequest): ApprovalEventName {
  switch (request.status) {
    case 'pending':
      return 'approval.requested'
    case 'approved':
      return 'approval.approved'
    case 'denied':
      return 'approval.denied'
    case 'expired':
      return 'approval.expired'
    case 'executed':
      return 'approval.executed'
  }
}
