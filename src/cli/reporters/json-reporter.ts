import type { CaseResult } from '../../policy/suite/case-result.js'
import type { TestRun } from '../../policy/suite/run-suites.js'
import type { ReportOptions } from './report-options.js'

type CompletedRun = Extract<TestRun, { ok: true }>

/** The report for machines: `{suites: [{suite, file, tests}], summary, coverage?}`. */
export function jsonReport(run: CompletedRun, options: ReportOptions): string {
  const report = {
    suites: run.suites.map((suite) => ({
      suite: suite.suite,
      file: suite.file,
      tests: suite.cases.map(testEntry),
    })),
    summary: run.summary,
    ...(options.coverage && {
      coverage: {
        ...run.coverage,
        ...(options.minCoverage !== undefined && { minimum: options.minCoverage }),
      },
    }),
  }
  return `${JSON.stringify(report, null, 2)}\n`
}

function testEntry(result: CaseResult): Record<string, unknown> {
  const message = result.message === undefined ? {} : { message: result.message }
  if (result.kind === 'decision') {
    return {
      name: result.name,
      line: result.line,
      status: result.status,
      expected: result.expected,
      actual: result.actual,
      ...message,
    }
  }
  return {
    name: result.name,
    line: result.line,
    status: result.status,
    expected: result.expected,
    actual: result.actual,
    ...message,
    items: result.items,
  }
}
