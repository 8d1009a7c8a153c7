import type { TestRun } from '../../policy/suite/run-suites.js'
import { failureDetails } from './failure-details.js'

type CompletedRun = Extract<TestRun, { ok: true }>

/** JUnit XML as CI systems read it: one <testsuite> per suite, one <testcase> per test. */
export function junitReport(run: CompletedRun): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="warden" tests="${run.summary.total}" failures="${run.summary.failed}">`,
  ]
  for (const suite of run.suites) {
    const failures = suite.cases.filter((c) => c.status === 'failed').length
    lines.push(
      `  <testsuite name="${xml(suite.suite)}" tests="${suite.cases.length}" failures="${failures}" file="${xml(suite.file)}">`,
    )
    for (const result of suite.cases) {
      const open = `    <testcase name="${xml(result.name)}" classname="${xml(suite.suite)}" file="${xml(suite.file)}" line="${result.line}"`
      if (result.status === 'passed') {
        lines.push(`${open}/>`)
        continue
      }
      lines.push(
        `${open}>`,
        `      <failure message="${xml(result.message ?? 'failed')}">${xml(failureDetails(result).join('\n'))}</failure>`,
        '    </testcase>',
      )
    }
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return `${lines.join('\n')}\n`
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

/** Escapes the five XML entities and drops the control characters XML 1.0 cannot hold. */
export function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
  )
}
