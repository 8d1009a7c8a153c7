import type { ActionType, ApprovalStatus, JsonValue, RiskLevel } from '../approval-request.js'
import type { ApprovalView } from '../approval-view.js'
import type { SpendingSummaryItem } from '../spending/spending-summary.js'

export type { ApprovalView, SpendingSummaryItem }

/**
 * The body of `POST /api/v1/actions`. Field names are the wire's (snake_case), as in the views
 * the service returns. Without `parameters` the service hashes
 * `{action_type, title, description, amount, currency, recipient}`.
 */
export interface ActionRequestInput {
  action_type: ActionType
  title: string
  description?: string
  /** Can raise the risk above the action type's default, never lower it. */
  risk_level?: RiskLevel
  amount?: number
  /** ISO 4217, upper case: `USD`. */
  currency?: string
  recipient?: string
  /** What the approver sees and the proof covers; the agent should execute exactly this. */
  parameters?: JsonValue
  metadata?: Record<string, JsonValue>
  /** Receives signed webhook deliveries for this request. */
  callback_url?: string
  /** Seconds until the request expires, 10..86400 (service default 300). */
  expires_in?: number
}

/** Wire fields a convenience method passes through unchanged. */
export type RequestExtras = Pick<
  ActionRequestInput,
  'risk_level' | 'callback_url' | 'expires_in' | 'metadata'
>

export interface HistoryQuery {
  status?: ApprovalStatus
  action_type?: ActionType
  /** Newest first; the service caps it. */
  limit?: number
}

export interface ApprovalHistory {
  actions: ApprovalView[]
}

export interface SpendingSummary {
  summaries: SpendingSummaryItem[]
}

/** A credential the vault holds for the agent (never the secret itself). */
export interface VaultService {
  service_name: string
  auth_type: 'bearer' | 'api_key' | 'basic' | 'header'
  /** The header the credential goes in, for api_key and header credentials. */
  header?: string
  /** Hosts the credential may be sent to: exact names or `*.example.com`, `:port` if not 443. */
  allowed_hosts: string[]
  description?: string
  created_at: string
  updated_at: string
}

export interface VaultServices {
  services: VaultService[]
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** An API call the vault makes with its stored credential once a human approves it. */
export interface ApiCallInput {
  service_name: string
  method: HttpMethod
  /** An https URL on one of the service's allowed hosts. */
  url: string
  /** Extra headers; never Authorization, Cookie, Host or the credential's own header. */
  headers?: Record<string, string>
  body?: string
  /** What the approver reads; say plainly what the call does (the first line is the title). */
  description?: string
  /** Default data_access for GET and HEAD, system otherwise. */
  action_type?: ActionType
  risk_level?: RiskLevel
  callback_url?: string
  expires_in?: number
}

/** The response the vault got, with every form of the credential masked. */
export interface ApiCallResponse {
  status_code: number
  /** Without Set-Cookie and hop-by-hop headers. */
  headers: Record<string, string>
  /** UTF-8 text. */
  body: string
}

/** `POST /api/v1/vault/execute/:id`: the call ran, once. */
export interface ApiCallResult {
  status: 'executed'
  request_id: string
  fingerprint: string
  response: ApiCallResponse
}

export interface WaitOptions {
  /** Overall time to wait, in ms (default 300 000). 0 checks once without waiting. */
  timeoutMs?: number
  /** Longest single long-poll, in seconds (1..120, default 30). */
  pollSeconds?: number
  /** Called after each long-poll that came back still pending. */
  onPending?: (view: ApprovalView) => void | Promise<void>
  signal?: AbortSignal
}
