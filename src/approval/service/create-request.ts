import { WardenError } from '../../errors.js'
import type { ApprovalRequest } from '../approval-request.js'
import type { SpendingWindow, TransitionOutcome } from '../../store/store.js'
import { applicableWindows } from '../spending/spending-windows.js'
import { buildNewRequest, type RequestCreator } from './request-input.js'
import { overLimitMessage } from './refusal-error.js'
import { announce, eventFor } from './transition-effects.js'
import type { ServiceContext } from './service-context.js'

/**
 * Stores a new request, then lets spending limits and auto-rules resolve it: a request
 * that would exceed a limit is denied with the figures; an auto-deny rule denies; an
 * auto-approve rule approves (reserving the amount atomically, like a human approval).
 */
export async function createRequest(
  context: ServiceContext,
  input: unknown,
  creator: RequestCreator,
): Promise<ApprovalRequest> {
  const now = context.now()
  const record = buildNewRequest(input, creator, now, context.defaultExpirySeconds)
  if (record.callback_url !== undefined && context.checkCallback) {
    const refused = await context.checkCallback(record.callback_url)
    if (refused) throw new WardenError('ERR_APPROVAL_INVALID', `callback_url: ${refused}`)
  }
  const stored = await context.store.createRequest(record)
  announce(context, 'approval.requested', stored)
  const resolved = await resolveAutomatically(context, stored, now)
  if (resolved.status !== 'pending') announce(context, eventFor(resolved), resolved)
  return resolved
}

async function resolveAutomatically(
  context: ServiceContext,
  request: ApprovalRequest,
  now: number,
): Promise<ApprovalRequest> {
  const windows = await spendingWindowsFor(context, request, now)
  for (const window of windows) {
    const spent = await context.store.spentInWindow(window)
    const amount = request.amount ?? 0
    if (spent + amount > window.limit) {
      const figures = { window, spent, amount, remaining: Math.max(0, window.limit - spent) }
      const reason = overLimitMessage({ ok: false, reason: 'over_limit', over_limit: figures })
      return denyByRule(context, request, `spending-limit:${window.limit_id}`, reason, now)
    }
  }
  const verdict = context.rules.decide(request)
  if (!verdict) return request
  if (verdict.effect === 'auto_deny') {
    return denyByRule(context, request, verdict.rule, `denied by rule ${verdict.rule}`, now)
  }
  const outcome = await context.store.approveRequest({
    id: request.id,
    now,
    resolved_by: `rule:${verdict.rule}`,
    method: 'rule',
    evidence: { method: 'rule', rule: verdict.rule },
    expected_content_hash: request.content_hash,
    spending: windows,
  })
  if (outcome.ok) return outcome.request
  if (outcome.reason === 'over_limit') {
    return denyByRule(context, request, verdict.rule, overLimitMessage(outcome), now)
  }
  return outcome.request ?? request
}

/** The spending limits that apply to a request with an amount, with their current windows. */
export async function spendingWindowsFor(
  context: ServiceContext,
  request: ApprovalRequest,
  now: number,
): Promise<SpendingWindow[]> {
  if (request.amount === undefined) return []
  const limits = await context.store.listSpendingLimits()
  return applicableWindows(limits, request, now, context.timeZone)
}

/** Denies on behalf of a rule (auto-deny or spending limit), recording the rule and why. */
export async function denyByRule(
  context: ServiceContext,
  request: ApprovalRequest,
  rule: string,
  reason: string,
  now: number,
): Promise<ApprovalRequest> {
  const outcome: TransitionOutcome = await context.store.denyRequest({
    id: request.id,
    now,
    resolved_by: `rule:${rule}`,
    method: 'rule',
    evidence: { method: 'rule', rule },
    reason,
  })
  return outcome.ok ? outcome.request : (outcome.request ?? request)
}
