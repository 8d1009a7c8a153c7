import type { ActionType, ApprovalStatus, JsonValue, RiskLevel } from '../approval-request.js'

/**
 * Where the bridge sends an escalated call for a human decision. Implementations: the
 * built-in service in-process, the same service over its HTTP agent API, and SynAuth's
 * hosted API. One contract suite (test/approval/backend/contract.ts) runs against each.
 */
export interface ApprovalBackend {
  /** `builtin`, `http`, `synauth`: for audit records and messages. */
  readonly kind: string
  /** Creates a pending request whose parameters are exactly what will run. */
  create(request: EscalationRequest, signal?: AbortSignal): Promise<BackendApproval>
  get(id: string, signal?: AbortSignal): Promise<BackendApproval>
  /**
   * Resolves once the request leaves `pending`, or as it stands after `timeoutMs` or when
   * `signal` aborts. No busy polling where the backend can push (long-poll, LISTEN/NOTIFY).
   */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<BackendApproval>
  /**
   * approved → executed, once, for exactly `contentHash`: of any number of concurrent claims
   * one succeeds. Throws WardenError ERR_APPROVAL_ALREADY_EXECUTED / ERR_APPROVAL_HASH_MISMATCH /
   * ERR_APPROVAL_NOT_APPROVED / ERR_APPROVAL_DENIED / ERR_APPROVAL_EXPIRED /
   * ERR_APPROVAL_NOT_FOUND; ERR_APPROVAL_BACKEND_UNAVAILABLE when unreachable.
   */
  claim(id: string, contentHash: string, signal?: AbortSignal): Promise<BackendApproval>
  /**
   * The newest pending or approved request `createdBy` made for exactly `contentHash`, if the
   * backend can search (so a retry reaching another proxy finds the same approval).
   */
  find?(
    contentHash: string,
    createdBy: string,
    signal?: AbortSignal,
  ): Promise<BackendApproval | undefined>
  /** Withdraws a pending request (the client cancelled its call). Never throws for a resolved one. */
  cancel(id: string): Promise<void>
  /** Tells the backend how the executed call went (audit, spending release). Best effort. */
  reportResult(id: string, result: 'succeeded' | 'failed'): Promise<void>
  close?(): Promise<void>
}

/** What the bridge asks approval for: computed from the real call and the policy, never the agent. */
export interface EscalationRequest {
  action_type: ActionType
  title: string
  description?: string
  risk_level: RiskLevel
  amount?: number
  currency?: string
  recipient?: string
  /** `{server, tool, arguments, principal}`; its JCS SHA-256 is the content hash. */
  parameters: JsonValue
  /** The principal the call runs as (created_by). */
  created_by: string
  rule: string
  policy_version: string
  /** Seconds until the request expires. */
  expires_in?: number
}

/** A backend's view of one request. */
export interface BackendApproval {
  id: string
  status: ApprovalStatus
  /** Hex SHA-256 of the canonical parameters (computed locally for backends that lack one). */
  content_hash: string
  fingerprint?: string
  /** Where an approver acts on it, when the backend has a page for it. */
  approval_url?: string
  expires_at?: string
  resolved_by?: string
  method?: string
  deny_reason?: string
  /**
   * The escalating rule and policy version as recorded at creation: by the store for the
   * built-in backend (so every instance sees them), by the creating process for HTTP backends.
   */
  rule?: string
  policy_version?: string
}
