import type { SourceIssue } from '../../errors.js'
import { formatPath, toSourceIssues } from '../../policy/source-issues.js'
import { parseYamlSource } from '../../policy/yaml-source.js'
import { ApprovalRulesError } from './approval-rules-error.js'
import { compileApprovalRules, type ApprovalRules } from './approval-rules.js'
import { approvalRulesFileSchema, type ApprovalRule } from './approval-rules-schema.js'

/** One validated approval-rules file, with where each rule's name sits (for cross-file checks). */
export interface ApprovalRulesFile {
  file: string
  rules: ApprovalRule[]
  positions: { line: number; column: number }[]
}

const NEEDS = 'an approval-rules file needs kind: approval-rules and rules'

/** Validates one approval-rules document; returns the rules or every issue found. */
export function readApprovalRulesFile(
  text: string,
  file: string,
): ApprovalRulesFile | SourceIssue[] {
  const source = parseYamlSource(text, file, NEEDS)
  if (Array.isArray(source)) return source
  const result = approvalRulesFileSchema.safeParse(source.value)
  const issues = result.success ? [] : toSourceIssues(result.error.issues, file, source.locate)
  const rawRules = (source.value as { rules?: unknown }).rules
  // Checked on the raw value so a duplicate shows up even when another field is also wrong.
  const names = Array.isArray(rawRules)
    ? rawRules.map((rule, index) => ({
        file,
        name: (rule as { name?: unknown } | null)?.name,
        index,
        ...source.locate(['rules', index, 'name']),
      }))
    : []
  issues.push(...duplicateNameIssues(names))
  if (!result.success || issues.length > 0) return sortIssues(issues)
  return {
    file,
    rules: result.data.rules,
    positions: names.map(({ line, column }) => ({ line, column })),
  }
}

/** Parses one approval-rules file; throws ApprovalRulesError (ERR_APPROVAL_RULES_INVALID). */
export function parseApprovalRules(text: string, file: string): ApprovalRules {
  const result = readApprovalRulesFile(text, file)
  if (Array.isArray(result)) throw new ApprovalRulesError(result)
  return compileApprovalRules(result.rules)
}

/** A rule's name and where it sits, for the duplicate check. */
export interface NamedRule {
  file: string
  name: unknown
  index: number
  line: number
  column: number
}

/** Rule names must be unique across every loaded file: `rule:NAME` identifies the rule. */
export function duplicateNameIssues(rules: readonly NamedRule[]): SourceIssue[] {
  const first = new Map<string, NamedRule>()
  const issues: SourceIssue[] = []
  for (const rule of rules) {
    if (typeof rule.name !== 'string' || rule.name === '') continue
    const earlier = first.get(rule.name)
    if (!earlier) {
      first.set(rule.name, rule)
      continue
    }
    const where = earlier.file === rule.file ? '' : `${earlier.file}:`
    issues.push({
      file: rule.file,
      line: rule.line,
      column: rule.column,
      path: formatPath(['rules', rule.index, 'name']),
      message: `duplicate rule name "${rule.name}" (first at ${where}${earlier.line}:${earlier.column})`,
    })
  }
  return issues
}

function sortIssues(issues: SourceIssue[]): SourceIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}
