import type { CoverageReport } from '../../policy/suite/rule-coverage.js'
import { alignColumns, joinCells } from './columns.js'
import type { Painter } from './painter.js'

/** The coverage section: the percentage, each rule no test exercised, and a missed minimum. */
export function coverageLines(
  coverage: CoverageReport,
  minimum: number | undefined,
  paint: Painter,
): string[] {
  const lines = [
    `coverage: ${coverage.exercised} of ${coverage.rules} rules decided a test (${coverage.percent}%)`,
  ]
  if (coverage.unexercised.length > 0) {
    lines.push('rules no test exercised:')
    const rows = coverage.unexercised.map((r) => [
      `  ${r.policy}/${r.rule}`,
      paint('gray', `${r.file}:${r.line}`),
    ])
    lines.push(...alignColumns(rows).map(joinCells))
  }
  if (minimum !== undefined && coverage.percent < minimum) {
    lines.push(paint('red', `coverage ${coverage.percent}% is below the minimum of ${minimum}%`))
  }
  return lines
}

export function belowMinimum(coverage: CoverageReport, minimum: number | undefined): boolean {
  return minimum !== undefined && coverage.percent < minimum
}
