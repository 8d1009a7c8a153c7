import type { Policy } from '../schema.js'

export type LintCode =
  | 'W_DUPLICATE_RULE_NAME'
  | 'W_DUPLICATE_POLICY_NAME'
  | 'W_SHADOWED_RULE'
  | 'W_UNREACHABLE_RULE'
  | 'W_UNUSED_MATCHER'
  | 'W_LIST_ARGUMENT_CONDITION'
  | 'W_ARGUMENT_CONDITION_ON_LIST'
  | 'W_CROSS_FILE_TIE'

/** Where another rule involved in a finding sits (the shadowing rule, the first duplicate, …). */
export interface RelatedRule {
  file?: string
  line?: number
  policy: string
  rule?: string
}

/** One lint warning, placed at the policy file and line its rule starts on. */
export interface LintFinding {
  code: LintCode
  severity: 'warning'
  /** Absent for policies built in code (no source file). */
  file?: string
  line?: number
  column?: number
  /** YAML path inside the file, e.g. `rules[3]` or `rules[3].conditions[0]`. */
  path: string
  policy: string
  rule?: string
  message: string
  related?: RelatedRule
}

export function policyFinding(
  policy: Policy,
  code: LintCode,
  message: string,
  related?: RelatedRule,
): LintFinding {
  return {
    code,
    severity: 'warning',
    file: policy.source?.file,
    line: policy.source?.line,
    path: 'name',
    policy: policy.name,
    message,
    ...(related ? { related } : {}),
  }
}

/** `file:line` of a related rule, or its policy's name when it has no source file. */
export function describeWhere(related: RelatedRule): string {
  if (related.file === undefined) return `policy "${related.policy}"`
  return related.line === undefined ? related.file : `${related.file}:${related.line}`
}
