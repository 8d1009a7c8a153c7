import type {
  ActionType,
  ApprovalEvidence,
  ApprovalRequest,
  ApprovalStatus,
  JsonValue,
  ResolutionMethod,
  RiskLevel,
} from '../../approval/approval-request.js'
import type { ApprovalEvent, NewApprovalRequest } from '../store.js'
import { iso, ms, optIso, optJson, present, type Ms, type Opt } from './row-values.js'

export interface RequestRow {
  id: string
  created_by: string
  action_type: string
  title: string
  description: Opt<string>
  risk_level: string
  amount: Opt<number>
  currency: Opt<string>
  recipient: Opt<string>
  parameters: string
  content_hash: string
  rule: Opt<string>
  policy_version: Opt<string>
  callback_url: Opt<string>
  created_at: Ms
  expires_at: Ms
  status: string
  resolved_at: Opt<Ms>
  resolved_by: Opt<string>
  method: Opt<string>
  evidence: Opt<string>
  deny_reason: Opt<string>
  executed_at: Opt<Ms>
  execution_result: Opt<string>
}

export interface EventRow {
  request_id: string
  event: string
  at: Ms
  actor: Opt<string>
  method: Opt<string>
  detail: Opt<string>
}
export function requestFromRow(row: RequestRow): ApprovalRequest {
  return {
    id: row.id,
    created_by: row.created_by,
    action_type: row.action_type as ActionType,
    title: row.title,
    risk_level: row.risk_level as RiskLevel,
    parameters: JSON.parse(row.parameters) as JsonValue,
    content_hash: row.content_hash,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    status: row.status as ApprovalStatus,
    ...present({
      description: row.description,
      amount: row.amount === null ? null : Number(row.amount),
      currency: row.currency,
      recipient: row.recipient,
      rule: row.rule,
      policy_version: row.policy_version,
      callback_url: row.callback_url,
      resolved_at: optIso(row.resolved_at),
      resolved_by: row.resolved_by,
      method: row.method as ResolutionMethod | null,
      evidence: optJson<ApprovalEvidence>(row.evidence),
      deny_reason: row.deny_reason,
      executed_at: optIso(row.executed_at),
      execution_result: row.execution_result as ApprovalRequest['execution_result'] | null,
    }),
  }
}

/** The columns requestValues fills, in this order, to INSERT a new pending request. */
export const REQUEST_COLUMNS = [
  'id',
  'created_by',
  'action_type',
  'title',
  'description',
  'risk_level',
  'amount',
  'currency',
  'recipient',
  'parameters',
  'content_hash',
  'rule',
  'policy_version',
  'callback_url',
  'created_at',
  'expires_at',
  'status',
] as const

export function requestValues(request: NewApprovalRequest): unknown[] {
  return [
    request.id,
    request.created_by,
    request.action_type,
    request.title,
    request.description ?? null,
    request.risk_level,
    request.amount ?? null,
    request.currency ?? null,
    request.recipient ?? null,
    JSON.stringify(request.parameters),
    request.content_hash,
    request.rule ?? null,
    request.policy_version ?? null,
    request.callback_url ?? null,
    ms(request.created_at, 'created_at'),
    ms(request.expires_at, 'expires_at'),
    'pending',
  ]
}

export function eventFromRow(row: EventRow): ApprovalEvent {
  return {
    request_id: row.request_id,
    event: row.event as ApprovalEvent['event'],
    at: iso(row.at),
    ...present({
      actor: row.actor,
      method: row.method as ResolutionMethod | null,
      detail: optJson<Record<string, unknown>>(row.detail),
    }),
  }
}
