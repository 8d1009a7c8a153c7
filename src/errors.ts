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
  // generic
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
