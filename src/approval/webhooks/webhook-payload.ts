import type { ApprovalRequest } from '../approval-request.js'
import { toApprovalView } from '../approval-view.js'

export const WEBHOOK_EVENTS = [
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.executed',
] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/**
 * The JSON body of a webhook: `{event, sent_at, action}` where `action` is the ApprovalView
 * (the request without the approver's evidence, with fingerprint and approval_url).
 * Without `publicUrl`, approval_url is the path `/actions/<id>`.
 */
export function webhookPayload(
  event: string,
  request: ApprovalRequest,
  sentAt: number,
  publicUrl = '',
): string {
  return JSON.stringify({
    event,
    sent_at: new Date(sentAt).toISOString(),
    action: toApprovalView(request, publicUrl),
  })
}
