import { formatSourceIssue, WardenError, type SourceIssue } from '../../errors.js'

/** A proxy configuration that cannot be used; `issues` lists every problem found. */
export class ConfigLoadError extends WardenError {
  readonly issues: readonly SourceIssue[]

  constructor(issues: readonly SourceIssue[]) {
    super('ERR_CONFIG_INVALID', issues.map(formatSourceIssue).join('\n'))
    this.name = 'ConfigLoadError'
    this.issues = issues
  }
}
