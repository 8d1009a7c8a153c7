import { WardenError } from '../../errors.js'
import type { TransitionOutcome } from '../../store/store.js'
import type { ApprovalRequest } from '../approval-request.js'

/** A refused store transition as the error an API caller sees. */
export function refusalError(
  id: string,
  outcome: Extract<TransitionOutcome, { ok: false }>,
): WardenError {
  switch (outcome.reason) {
    case 'not_found':
      return new WardenError('ERR_APPROVAL_NOT_FOUND', `approval request ${id} does not exist`)
    case 'expired':
      return new WardenError('ERR_APPROVAL_EXPIRED', `approval request ${id} has expired`)
    case 'already_resolved':
      return new WardenError(
        'ERR_APPROVAL_ALREADY_RESOLVED',
        `approval request ${id} is already ${outcome.request?.status ?? 'resolved'}`,
      )
    case 'hash_mismatch':
    case 'mismatch':
      return new WardenError(
        'ERR_APPROVAL_HASH_MISMATCH',
        `approval request ${id} does not cover these parameters`,
      )
    case 'over_limit':
      return new WardenError('ERR_APPROVAL_OVER_LIMIT', overLimitMessage(outcome))
    case 'not_approved':
      return notApproved(id, outcome.request)
    case 'already_executed':
      return new WardenError(
        'ERR_APPROVAL_ALREADY_EXECUTED',
        `approval request ${id} was already used`,
      )
  }
}

export function overLimitMessage(outcome: Extract<TransitionOutcome, { ok: false }>): string {
  const figures = outcome.over_limit
  if (!figures) return 'a spending limit has no room for this amount'
  const { window, spent, amount, remaining } = figures
  const scope = window.agent ? `agent ${window.agent}` : 'all agents'
  return (
    `spending limit ${window.limit_id} (${window.action_type}, ${window.period}, ${scope}): ` +
    `limit ${window.limit}, spent ${spent}, remaining ${remaining}, requested ${amount}`
  )
}

function notApproved(id: string, request: ApprovalRequest | undefined): WardenError {
  if (request?.status === 'denied') {
    return new WardenError('ERR_APPROVAL_DENIED', `approval request ${id} was denied`)
  }
  if (request?.status === 'expired') {
    return new WardenError('ERR_APPROVAL_EXPIRED', `approval request ${id} has expired`)
  }
  return new WardenError('ERR_APPROVAL_NOT_APPROVED', `approval request ${id} is not approved`)
}
