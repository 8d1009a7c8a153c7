import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { PolicyLoadError, type SourceIssue } from '../errors.js'
import { compileRule, type CompiledRule } from './compiled-rule.js'
import { PolicySet } from './policy-set.js'
import { buildIndex } from './rule-index.js'
import { policySchema, type Policy, type PolicyInput } from './schema.js'
import { toSourceIssues } from './source-issues.js'
import { deepFreeze } from '../deep-freeze.js'

/**
 * Validates (builder output, loader output or a plain object) and compiles policies into an
 * immutable PolicySet. Throws PolicyLoadError listing every problem.
 */
export function compilePolicies(policies: readonly (Policy | PolicyInput)[]): PolicySet {
  const validated: Policy[] = []
  const issues: SourceIssue[] = []
  policies.forEach((input, position) => {
    const { source, ...document } = input as Policy
    const result = policySchema.safeParse(document)
    if (!result.success) {
      const label =
        source?.file ??
        `policies[${position}]${typeof document.name === 'string' ? ` (${document.name})` : ''}`
      issues.push(...toSourceIssues(result.error.issues, label))
      return
    }
    validated.push(
      deepFreeze(
        source
          ? { ...structuredClone(result.data), source: structuredClone(source) }
          : structuredClone(result.data),
      ),
    )
  })
  if (issues.length > 0) throw new PolicyLoadError(issues)

  const rules: CompiledRule[] = []
  for (const policy of validated) {
    for (const rule of policy.rules) rules.push(compileRule(rule, policy.name, rules.length))
  }
  return new PolicySet(validated, rules, buildIndex(rules), policySetVersion(validated))
}

function policySetVersion(policies: readonly Policy[]): string {
  const content = policies.map(({ source: _source, ...document }) => document)
  return createHash('sha256')
    .update(canonicalize(content) ?? '')
    .digest('hex')
    .slice(0, 16)
}
