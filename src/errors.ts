/** Stable error codes: callers and tests branch on these, never on message text. */
export type WardenErrorCode =
  // policy
  | 'ERR_POLICY_INVALID'
  | 'ERR_POLICY_NOT_FOUND'
  | 'ERR_POLICY_TEST_INVALID'
  | 'ERR_BUILDER_FIELD_SET_TWICE'
  // identity
  | 'ERR_AUTH_MISSING'
  | 'ERR_AUTH_INVALID'
  | 'ERR_API_KEY_INVALID'
  | 'ERR_API_KEY_EXPIRED'
  | 'ERR_API_KEY_REVOKED'
  | 'ERR_API_KEY_NOT_FOUND'
  | 'ERR_JWT_INVALID'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_JWT_CLAIM_INVALID'
  | 'ERR_JWT_ALG_NOT_ALLOWED'
  | 'ERR_JWKS_UNAVAILABLE'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_HEADER_UNTRUSTED'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_IDENTITY_CONFIG_INVALID'
  // audit
  | 'ERR_AUDIT_WRITE_FAILED'
  | 'ERR_AUDIT_CHAIN_BROKEN'
  | 'ERR_AUDIT_UNREADABLE'
  | 'ERR_NOT_CANONICALIZABLE'
  // gate and MCP bridge
  | 'ERR_POLICY_DENIED'
  | 'ERR_APPROVAL_REQUIRED'
  | 'ERR_SESSION_IDENTITY_CHANGED'
  | 'ERR_SESSION_NOT_INITIALIZED'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_GUARD_ALREADY_CONNECTED'
  // proxy
  | 'ERR_BATCH_NOT_SUPPORTED'
  | 'ERR_MESSAGE_INVALID'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_HOST_NOT_ALLOWED'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_VAULT_NOT_CONFIGURED'
  // store
  | 'ERR_STORE_URL_INVALID'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_MIGRATION_FAILED'
  // approval service
  | 'ERR_APPROVAL_INVALID'
  | 'ERR_APPROVAL_NOT_FOUND'
  | 'ERR_APPROVAL_ALREADY_RESOLVED'
  | 'ERR_APPROVAL_EXPIRED'
  | 'ERR_APPROVAL_DENIED'
  | 'ERR_APPROVAL_HASH_MISMATCH'
  | 'ERR_APPROVAL_OVER_LIMIT'
  | 'ERR_APPROVAL_NOT_APPROVED'
  | 'ERR_APPROVAL_ALREADY_EXECUTED'
  | 'ERR_APPROVAL_BACKEND_UNAVAILABLE'
  | 'ERR_APPROVAL_RULES_INVALID'
  // approver proof and approver sessions
  | 'ERR_PROOF_INVALID'
  | 'ERR_PASSKEY_USER_NOT_VERIFIED'
  | 'ERR_PASSKEY_COUNTER'
  | 'ERR_CHALLENGE_INVALID'
  | 'ERR_TOTP_INVALID'
  | 'ERR_TOTP_REPLAYED'
  | 'ERR_TOTP_NOT_ENROLLED'
  | 'ERR_RATE_LIMITED'
  | 'ERR_APPROVER_NOT_FOUND'
  | 'ERR_ENROLMENT_INVALID'
  | 'ERR_APPROVER_SESSION_INVALID'
  | 'ERR_FORBIDDEN'
  | 'ERR_WEBHOOK_INVALID'
  | 'ERR_SECRET_KEY_INVALID'
  | 'ERR_SECRET_UNREADABLE'
  // generic
  | 'ERR_SHUTTING_DOWN'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_INTERNAL'

export class WardenError extends Error {
  readonly code: WardenErrorCode

  constructor(code: WardenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'WardenError'
  }
}

/** Where in a source file a problem sits: file:line:column plus the YAML path. */
export interface SourceIssue {
  file?: string
  line?: number
  column?: number
  /** YAML path, e.g. `rules[1].conditions[0].operator`. */
  path: string
  message: string
}

export function formatSourceIssue(issue: SourceIssue): string {
  const where = issue.file
    ? `${issue.file}${issue.line ? `:${issue.line}:${issue.column ?? 1}` : ''}`
    : '<policy>'
  return `${where} ${issue.path ? `${issue.path}: ` : ''}${issue.message}`
}

/** A policy or policy-test file that cannot be used; `issues` lists every problem found. */
export class PolicyLoadError extends WardenError {
  readonly issues: readonly SourceIssue[]

  constructor(
    issues: readonly SourceIssue[],
    code:
      | 'ERR_POLICY_INVALID'
      | 'ERR_POLICY_NOT_FOUND'
      | 'ERR_POLICY_TEST_INVALID' = 'ERR_POLICY_INVALID',
  ) {
    super(code, issues.map(formatSourceIssue).join('\n'))
    this.name = 'PolicyLoadError'
    this.issues = issues
  }
}

/** A request the policy refused (or that needs an approval first); carries the audited decision id. */
export class PolicyDeniedError extends WardenError {
  readonly decisionId: string

  constructor(
    code: 'ERR_POLICY_DENIED' | 'ERR_APPROVAL_REQUIRED',
    message: string,
    decisionId: string,
  ) {
    super(code, message)
    this.name = 'PolicyDeniedError'
    this.decisionId = decisionId
  }
}

/** A JSON-RPC error as MCP sends it; `data.code` repeats the stable warden code. */
export interface McpWireError {
  code: number
  message: string
  data: { code: WardenErrorCode; [key: string]: unknown }
}

/**
 * JSON-RPC codes for warden errors: -32003 Forbidden, -32004 Unauthenticated (clear of the SDK's
 * -32000/-32001 and the spec's -32002), -32601 method not found, -32600 invalid request.
 */
const WIRE_CODES: Partial<Record<WardenErrorCode, number>> = {
  ERR_POLICY_DENIED: -32003,
  ERR_APPROVAL_REQUIRED: -32003,
  ERR_SESSION_IDENTITY_CHANGED: -32003,
  ERR_INSUFFICIENT_SCOPE: -32003,
  ERR_AUTH_MISSING: -32004,
  ERR_AUTH_INVALID: -32004,
  ERR_METHOD_NOT_ALLOWED: -32601,
  ERR_SESSION_NOT_INITIALIZED: -32600,
  ERR_BATCH_NOT_SUPPORTED: -32600,
}

/** Errors for requests that were not run, so the same request may be sent again (`data.retryable`). */
const RETRYABLE = new Set<WardenErrorCode>(['ERR_SHUTTING_DOWN'])

/** The one mapping from local errors to MCP wire errors; anything unknown is an internal error. */
export function toMcpError(error: unknown): McpWireError {
  if (error instanceof WardenError) {
    const decision = error instanceof PolicyDeniedError ? { decision_id: error.decisionId } : {}
    const retryable = RETRYABLE.has(error.code) ? { retryable: true } : {}
    return {
      code: WIRE_CODES[error.code] ?? -32603,
      message: error.message,
      data: { code: error.code, ...decision, ...retryable },
    }
  }
  return { code: -32603, message: 'internal error', data: { code: 'ERR_INTERNAL' } }
}
