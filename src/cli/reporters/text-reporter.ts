import type { CaseResult } from '../../policy/suite/case-result.js'
import type { TestRun } from '../../policy/suite/run-suites.js'
import { coverageLines } from './coverage-lines.js'
import { failureDetails } from './failure-details.js'
import type { Painter } from './painter.js'
import type { ReportOptions } from './report-options.js'

type CompletedRun = Extract<TestRun, { ok: true }>

/**
 * The readable report: each suite, one line a test, what a failure expected and got, and a
 * last line `N passed, N failed` in exactly that form (CI tooling parses it).
 */
export function textReport(run: CompletedRun, options: ReportOptions, paint: Painter): string {
  const lines: string[] = []
  for (const suite of run.suites) {
    lines.push(`${paint('bold', suite.suite)}  ${paint('gray', suite.file)}`)
    for (const result of suite.cases) lines.push(...caseLines(result, suite.file, paint))
    lines.push('')
  }
  if (options.coverage) lines.push(...coverageLines(run.coverage, options.minCoverage, paint), '')
  const { passed, failed } = run.summary
  const summary = `${passed} passed, ${failed} failed`
  lines.push(failed > 0 ? paint('red', summary) : paint('green', summary))
  return `${lines.join('\n')}\n`
}

function caseLines(result: CaseResult, file: string, paint: Painter): string[] {
  if (result.status === 'passed') return [`  ${paint('green', '✓')} ${result.name}`]
  return [
    `  ${paint('red', '✗')} ${result.name}  ${paint('gray', `${file}:${result.line}`)}`,
    ...failureDetails(result).map((line) => `      ${line}`),
  ]
}
