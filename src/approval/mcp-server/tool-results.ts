import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { WardenError } from '../../errors.js'
import { RateLimitError, WardenApiError } from '../client/client-errors.js'
import type { ApprovalView } from '../client/wire-types.js'

/** A tool answer the model reads: the JSON, pretty-printed. */
export function jsonResult(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] }
}

/** Runs a tool body; any failure becomes a tool error the model can read. */
export async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run()
  } catch (error) {
    return errorResult(error)
  }
}

/** A failed tool call as a tool error (`isError`), never a protocol error: the model can react. */
export function errorResult(error: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: describeError(error) }] }
}

function describeError(error: unknown): string {
  if (error instanceof RateLimitError) {
    const wait = error.retryAfter === undefined ? 'a moment' : `${error.retryAfter} s`
    return `${error.code}: ${error.message}. Rate limited by the approval service; wait ${wait} and retry.`
  }
  if (error instanceof WardenApiError && error.code === 'ERR_VAULT_NOT_CONFIGURED') {
    return (
      `${error.code}: vault not configured. This warden approval service has no credential ` +
      `vault, so it cannot make API calls for you. (${error.message})`
    )
  }
  if (error instanceof WardenApiError && error.status === 0) {
    return `${error.code}: ${error.message}. The approval service is unreachable; do not perform the action.`
  }
  if (error instanceof WardenError) return `${error.code}: ${error.message}`
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled'
  return `ERR_INTERNAL: ${error instanceof Error ? error.message : String(error)}`
}

/** The fields a model needs to act on (or tell the user about) a request. */
export function approvalSummary(view: ApprovalView): Record<string, unknown> {
  return {
    id: view.id,
    status: view.status,
    action_type: view.action_type,
    title: view.title,
    risk_level: view.risk_level,
    ...(view.amount !== undefined ? { amount: view.amount } : {}),
    ...(view.currency !== undefined ? { currency: view.currency } : {}),
    ...(view.recipient !== undefined ? { recipient: view.recipient } : {}),
    fingerprint: view.fingerprint,
    content_hash: view.content_hash,
    parameters: view.parameters,
    approval_url: view.approval_url,
    created_at: view.created_at,
    expires_at: view.expires_at,
    ...(view.resolved_at !== undefined ? { resolved_at: view.resolved_at } : {}),
    ...(view.resolved_by !== undefined ? { resolved_by: view.resolved_by } : {}),
    ...(view.method !== undefined ? { method: view.method } : {}),
    ...(view.deny_reason !== undefined ? { deny_reason: view.deny_reason } : {}),
    ...(view.executed_at !== undefined ? { executed_at: view.executed_at } : {}),
  }
}

/** One line telling the model what the status means and what to do next. */
export function nextStep(view: ApprovalView, waitedSeconds?: number): string {
  switch (view.status) {
    case 'approved': {
      const by = view.resolved_by ? ` by ${view.resolved_by}` : ''
      const how = view.method ? ` (${view.method})` : ''
      return (
        `Approved${by}${how}; fingerprint ${view.fingerprint}. Perform exactly the approved ` +
        'parameters, once.'
      )
    }
    case 'executed':
      return 'Approved and already used: this approval cannot authorize another execution.'
    case 'denied': {
      const why = view.deny_reason ? `: ${view.deny_reason}` : ''
      return `Denied${why}. Do not perform this action.`
    }
    case 'expired':
      return 'Expired without a decision. Do not perform this action; request approval again if it is still needed.'
    case 'pending': {
      const after = waitedSeconds === undefined ? '' : ` after ${waitedSeconds} s`
      return (
        `Still pending${after}. Ask the user to approve at ${view.approval_url} and check that ` +
        `it shows fingerprint ${view.fingerprint}; then call wait_for_approval again with request_id ` +
        `"${view.id}".`
      )
    }
  }
}

/** A compact history line: enough to review, without each request's parameters. */
export function historyEntry(view: ApprovalView): Record<string, unknown> {
  const { parameters: _parameters, content_hash: _hash, ...rest } = approvalSummary(view)
  return rest
}
