import { formatSourceIssue, WardenError, type SourceIssue } from '../../errors.js'

/** Approval-rules files that cannot be used; the message lists every issue, one per line. */
export class ApprovalRulesError extends WardenError {
  readonly issues: readonly SourceIssue[]

  constructor(issues: readonly SourceIssue[]) {
    super('ERR_APPROVAL_RULES_INVALID', issues.map(formatSourceIssue).join('\n'))
    this.name = 'ApprovalRulesError'
    this.issues = issues
  }
}
