import { WardenError } from '../../errors.js'
import type { ApprovalRequest } from '../approval-request.js'
import { intactRequest } from './resolve-request.js'
import { refusalError } from './refusal-error.js'
import { announce, eventFor } from './transition-effects.js'
import type { ServiceContext } from './service-context.js'

export interface ClaimRequest {
  /** The hash of the parameters about to run; must equal the approved content_hash. */
  content_hash: string
  /** When given, the request must have been created by this principal. */
  created_by?: string
  /** When given, the request must carry this policy version. */
  policy_version?: string
}

/**
 * approved → executed, once: of any number of concurrent claims exactly one succeeds; the
 * others get ERR_APPROVAL_ALREADY_EXECUTED. A different hash, creator or policy version,
 * or a request not (or no longer) approved, is refused.
 */
export async function claimExecution(
  context: ServiceContext,
  id: string,
  claim: ClaimRequest,
): Promise<ApprovalRequest> {
  const now = context.now()
  const request = await intactRequest(context, id, now)
  if (claim.created_by !== undefined && request.created_by !== claim.created_by) {
    throw new WardenError('ERR_FORBIDDEN', `approval request ${id} belongs to another principal`)
  }
  const outcome = await context.store.claimExecution({
    id,
    now,
    content_hash: claim.content_hash,
    ...(claim.created_by !== undefined ? { created_by: claim.created_by } : {}),
    ...(claim.policy_version !== undefined ? { policy_version: claim.policy_version } : {}),
  })
  if (!outcome.ok) throw refusalError(id, outcome)
  announce(context, 'approval.executed', outcome.request)
  return outcome.request
}

/** Records whether the executed action succeeded; a failure releases the booked amount. */
export async function recordExecutionResult(
  context: ServiceContext,
  id: string,
  result: 'succeeded' | 'failed',
): Promise<ApprovalRequest> {
  const request = await context.store.recordExecutionResult(id, result, context.now())
  if (!request) {
    throw new WardenError('ERR_APPROVAL_NOT_APPROVED', `approval request ${id} was not executed`)
  }
  return request
}

/** The creator withdraws a pending request (an agent cancelled its call). */
export async function withdrawRequest(
  context: ServiceContext,
  id: string,
  createdBy: string,
): Promise<ApprovalRequest> {
  const outcome = await context.store.withdrawRequest(id, createdBy, context.now())
  if (!outcome.ok) throw refusalError(id, outcome)
  announce(context, eventFor(outcome.request), outcome.request)
  return outcome.request
}
