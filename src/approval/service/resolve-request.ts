import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import { canonicalDigest } from '../../audit/canonical-digest.js'
import type { ApprovalEvidence, ApprovalRequest } from '../approval-request.js'
import type { Approver } from '../../store/store.js'
import { verifyPasskeyDecision } from '../passkey/passkey-decision.js'
import { verifyTotpCode } from '../totp/totp-verify.js'
import { denyByRule, spendingWindowsFor } from './create-request.js'
import { overLimitMessage, refusalError } from './refusal-error.js'
import { announce, eventFor } from './transition-effects.js'
import type { ServiceContext } from './service-context.js'

/** An approver's proof: a passkey assertion (it names its approver) or a TOTP code. */
export type ApproverProof =
  { passkey: AuthenticationResponseJSON } | { totp: string; approver: Approver }

export interface DecisionInput {
  decision: 'approve' | 'deny'
  proof: ApproverProof
  /** The content hash the approver was shown; it must still be the stored one. */
  content_hash: string
  reason?: string
  /** The signed-in approver, if any: a passkey must then be theirs. */
  session?: Approver
}

/** Approves or denies a pending request on an approver's proof; one atomic transition. */
export async function resolveRequest(
  context: ServiceContext,
  id: string,
  input: DecisionInput,
): Promise<ApprovalRequest> {
  const now = context.now()
  const request = await pendingRequest(context, id, now)
  if (input.content_hash !== request.content_hash) {
    throw new WardenError(
      'ERR_APPROVAL_HASH_MISMATCH',
      `approval request ${id} changed since it was shown; reload it and check again`,
    )
  }
  const { approver, evidence } = await checkProof(context, request, input, now)
  const outcome =
    input.decision === 'approve'
      ? await context.store.approveRequest({
          id,
          now,
          resolved_by: approver.id,
          method: evidence.method,
          evidence,
          expected_content_hash: request.content_hash,
          spending: await spendingWindowsFor(context, request, now),
        })
      : await context.store.denyRequest({
          id,
          now,
          resolved_by: approver.id,
          method: evidence.method,
          evidence,
          expected_content_hash: request.content_hash,
          ...(input.reason !== undefined ? { reason: input.reason.slice(0, 1000) } : {}),
        })
  if (!outcome.ok) {
    if (outcome.reason === 'over_limit') {
      const denied = await denyByRule(
        context,
        request,
        `spending-limit:${outcome.over_limit?.window.limit_id ?? 'unknown'}`,
        overLimitMessage(outcome),
        now,
      )
      announce(context, eventFor(denied), denied)
    }
    throw refusalError(id, outcome)
  }
  announce(context, eventFor(outcome.request), outcome.request)
  return outcome.request
}

/**
 * The stored request, refused unless it is pending and its parameters still hash to its
 * content_hash (a row edited behind the service's back is never approvable).
 */
export async function pendingRequest(
  context: ServiceContext,
  id: string,
  now: number,
): Promise<ApprovalRequest> {
  const request = await intactRequest(context, id, now)
  if (request.status === 'expired') {
    throw new WardenError('ERR_APPROVAL_EXPIRED', `approval request ${id} has expired`)
  }
  if (request.status !== 'pending') {
    throw new WardenError(
      'ERR_APPROVAL_ALREADY_RESOLVED',
      `approval request ${id} is already ${request.status}`,
    )
  }
  return request
}

export async function intactRequest(
  context: ServiceContext,
  id: string,
  now: number,
): Promise<ApprovalRequest> {
  const request = await context.store.getRequest(id, now)
  if (!request) {
    throw new WardenError('ERR_APPROVAL_NOT_FOUND', `approval request ${id} does not exist`)
  }
  if (canonicalDigest(request.parameters) !== request.content_hash) {
    throw new WardenError(
      'ERR_APPROVAL_HASH_MISMATCH',
      `approval request ${id}: stored parameters do not match their content hash`,
    )
  }
  return request
}

async function checkProof(
  context: ServiceContext,
  request: ApprovalRequest,
  input: DecisionInput,
  now: number,
): Promise<{ approver: Approver; evidence: ApprovalEvidence }> {
  const proof = input.proof
  if ('passkey' in proof) {
    const checked = await verifyPasskeyDecision(
      context.store,
      context.rp,
      request,
      input.decision,
      proof.passkey,
      now,
    )
    if (input.session && checked.approver.id !== input.session.id) {
      throw new WardenError('ERR_FORBIDDEN', 'the passkey belongs to another approver')
    }
    return checked
  }
  const { time_step } = await verifyTotpCode(
    context.store,
    context.box,
    proof.approver,
    proof.totp,
    now,
  )
  return { approver: proof.approver, evidence: { method: 'totp', time_step } }
}
