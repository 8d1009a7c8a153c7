import type { ApprovalRequest } from './approval-request.js'
import { fingerprint } from './fingerprint.js'

/** What agents and webhooks see of a request: everything but the approver's evidence. */
export type ApprovalView = Omit<ApprovalRequest, 'evidence'> & {
  fingerprint: string
  approval_url: string
}

export function toApprovalView(request: ApprovalRequest, publicUrl: string): ApprovalView {
  const { evidence: _evidence, ...rest } = request
  return {
    ...rest,
    fingerprint: fingerprint(request.content_hash),
    approval_url: `${publicUrl.replace(/\/+$/, '')}/actions/${request.id}`,
  }
}
