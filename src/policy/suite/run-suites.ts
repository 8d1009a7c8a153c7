import { formatSourceIssue, PolicyLoadError, type SourceIssue } from '../../errors.js'
import { compilePolicies } from '../compile.js'
import { loadPolicies } from '../loader.js'
import type { PolicySet } from '../policy-set.js'
import type { SuiteResult } from './case-result.js'
import { loadSuite, type LoadedSuite } from './load-suite.js'
import { RuleCoverage, type CoverageReport } from './rule-coverage.js'
import { runSuite } from './run-suite.js'
import { suiteFiles } from './suite-files.js'

export interface TestSummary {
  passed: number
  failed: number
  total: number
}

/** Either every problem that stops the run, or the results of every suite. */
export type TestRun =
  | { ok: false; issues: SourceIssue[] }
  | { ok: true; suites: SuiteResult[]; summary: TestSummary; coverage: CoverageReport }

/**
 * Discovers, validates and runs the suites under `paths`. Any invalid suite or policy stops
 * the run before a test runs, and every such problem is returned, not only the first.
 */
export async function runSuites(paths: readonly string[]): Promise<TestRun> {
  const found = await suiteFiles(paths)
  const issues = [...found.issues]
  if (found.files.length === 0 && issues.length === 0) {
    issues.push(
      ...paths.map((path) => ({ file: path, path: '', message: 'no *.test.yaml suites found' })),
    )
  }
  const suites: LoadedSuite[] = []
  for (const file of found.files) {
    const loaded = await loadSuite(file)
    if (Array.isArray(loaded)) issues.push(...loaded)
    else suites.push(loaded)
  }
  const compiled = new Map<string, Promise<PolicySet | SourceIssue[]>>()
  const sets: PolicySet[] = []
  for (const suite of suites) {
    const key = suite.policyFiles.join('\n')
    let pending = compiled.get(key)
    if (!pending) compiled.set(key, (pending = compile(suite.policyFiles)))
    const set = await pending
    if (Array.isArray(set)) issues.push(...set)
    else sets.push(set)
  }
  if (issues.length > 0) return { ok: false, issues: unique(issues) }

  const coverage = new RuleCoverage()
  const results = suites.map((suite, i) => runSuite(suite, sets[i]!, coverage.track(sets[i]!)))
  const cases = results.flatMap((r) => r.cases)
  const passed = cases.filter((c) => c.status === 'passed').length
  return {
    ok: true,
    suites: results,
    summary: { passed, failed: cases.length - passed, total: cases.length },
    coverage: coverage.report(),
  }
}

async function compile(files: readonly string[]): Promise<PolicySet | SourceIssue[]> {
  try {
    return compilePolicies(await loadPolicies(files))
  } catch (error) {
    if (error instanceof PolicyLoadError) return [...error.issues]
    throw error
  }
}

/** Suites sharing a broken policy report its problems once. */
function unique(issues: readonly SourceIssue[]): SourceIssue[] {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    const text = formatSourceIssue(issue)
    if (seen.has(text)) return false
    seen.add(text)
    return true
  })
}
