import { ACTION_TYPES, RISK_LEVELS } from '../policy/schema.js'

export { ACTION_TYPES, RISK_LEVELS }
export type ActionType = (typeof ACTION_TYPES)[number]
export type RiskLevel = (typeof RISK_LEVELS)[number]

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'executed'] as const
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number]

/** How a request was resolved: an approver's passkey or TOTP code, or an auto-rule. */
export type ResolutionMethod = 'passkey' | 'totp' | 'rule'

/** The risk each action type carries when neither policy nor agent says more (SynAuth's table). */
export const DEFAULT_RISK: Readonly<Record<ActionType, RiskLevel>> = {
  communication: 'low',
  purchase: 'medium',
  scheduling: 'low',
  legal: 'critical',
  data_access: 'high',
  social: 'medium',
  system: 'high',
}

export const DEFAULT_EXPIRY_SECONDS = 300

/** JSON data as it is stored and hashed. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * What an approver's proof was. Kept with the request so `warden approvals verify ID`
 * can re-check it offline.
 */
export type ApprovalEvidence =
  | {
      method: 'passkey'
      credential_id: string
      /** base64url nonce; the WebAuthn challenge was nonce ‖ content_hash (raw bytes). */
      nonce: string
      /** The AuthenticationResponseJSON the browser returned, as received. */
      response: JsonValue
      origin: string
      rp_id: string
      /** Signature counter after this assertion. */
      counter: number
    }
  | { method: 'totp'; time_step: number }
  | { method: 'rule'; rule: string }

/** One approval request, as the store holds it. Times are ISO 8601 UTC strings. */
export interface ApprovalRequest {
  /** `apr_` + 22 base64url characters. */
  id: string
  /** The principal that asked: the agent key's agent_id, else its user_id. */
  created_by: string
  action_type: ActionType
  title: string
  description?: string
  risk_level: RiskLevel
  amount?: number
  currency?: string
  recipient?: string
  /** The canonical parameters the approver sees and the proof covers. */
  parameters: JsonValue
  /** Lowercase hex SHA-256 of the RFC 8785 form of `parameters`. */
  content_hash: string
  /** Set when a policy escalation created the request. */
  rule?: string
  policy_version?: string
  callback_url?: string
  created_at: string
  expires_at: string
  status: ApprovalStatus
  resolved_at?: string
  /** Approver id, or `rule:NAME` for a rule-resolved request. */
  resolved_by?: string
  method?: ResolutionMethod
  evidence?: ApprovalEvidence
  deny_reason?: string
  executed_at?: string
  /** Set after execution: whether the approved action ran successfully. */
  execution_result?: 'succeeded' | 'failed'
}
