import {
  compilePolicies,
  lintPolicies,
  type LintFinding,
  type PolicyInput,
} from '../../../src/index.js'

export type RuleInput = PolicyInput['rules'][number]

/** Lints one policy of the given rules, built in code (no source file). */
export function lintRulesOf(rules: RuleInput[]): LintFinding[] {
  return lintPolicies(compilePolicies([{ name: 'p', rules }]))
}

/** Lints several policies, each as if loaded from its own file (the keys), in key order. */
export function lintFiles(files: Record<string, PolicyInput>): LintFinding[] {
  const policies = Object.entries(files).map(([file, policy]) => ({
    ...policy,
    source: { file, line: 1, ruleLines: policy.rules.map((_, i) => 3 + i * 4) },
  }))
  return lintPolicies(compilePolicies(policies as PolicyInput[]))
}

export function codes(findings: LintFinding[]): string[] {
  return findings.map((f) => f.code)
}

export function withCode(findings: LintFinding[], code: LintFinding['code']): LintFinding[] {
  return findings.filter((f) => f.code === code)
}
