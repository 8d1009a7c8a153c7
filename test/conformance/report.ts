import type { ScenarioResult } from './suite.js'

/** One column of the table: one upstream, reached directly or through the proxy. */
export interface Column {
  upstream: string
  via: 'direct' | 'proxy'
  /** The results by scenario, or why the column could not be measured. */
  results: Map<string, ScenarioResult> | string
  /** Set when the target process ended on its own while being measured. */
  crash?: string
}

export const DNS_REBINDING = 'dns-rebinding-protection'

export function title(column: Column): string {
  return `${column.upstream} ${column.via === 'direct' ? 'direct' : 'via proxy'}`
}

export function cell(column: Column, scenario: string): string {
  if (typeof column.results === 'string')
    return column.via === 'proxy' ? 'proxy unavailable' : 'not run'
  const result = column.results.get(scenario)
  if (result === undefined) return '-'
  if (result.outcome === 'pass')
    return result.warnings > 0 ? `pass (${result.warnings} warn)` : 'pass'
  return result.outcome.toUpperCase()
}

function passes(column: Column | undefined, scenario: string): boolean {
  if (column === undefined || typeof column.results === 'string') return false
  return column.results.get(scenario)?.outcome === 'pass'
}

export function columnSummary(column: Column, scenarios: readonly string[]): string {
  if (typeof column.results === 'string') return `${title(column)}: ${column.results}`
  const passed = scenarios.filter((scenario) => passes(column, scenario)).length
  return `${title(column)}: ${passed}/${scenarios.length} passed`
}

/**
 * Every way the measurement falls short of the requirement; empty means it holds. Without
 * `requireProxy`, a proxy column that was not measured is not a shortfall.
 */
export function shortfalls(
  columns: readonly Column[],
  scenarios: readonly string[],
  requireProxy: boolean,
): string[] {
  const found: string[] = []
  for (const direct of columns.filter((column) => column.via === 'direct')) {
    const proxied = columns.find((c) => c.upstream === direct.upstream && c.via === 'proxy')
    for (const scenario of scenarios) {
      const directPass = passes(direct, scenario)
      if (direct.upstream === 'fixture' && !directPass) {
        found.push(`fixture fails ${scenario} directly`)
      }
      if (proxied === undefined || typeof proxied.results === 'string') continue
      if (directPass && !passes(proxied, scenario)) {
        found.push(`${direct.upstream}: ${scenario} passes directly but fails through the proxy`)
      } else if (scenario === DNS_REBINDING && !passes(proxied, scenario)) {
        found.push(`${direct.upstream}: the proxy fails ${scenario}`)
      }
    }
  }
  for (const column of requireProxy ? columns : []) {
    if (column.via === 'proxy' && typeof column.results === 'string') {
      found.push(`${column.upstream}: proxy not measured (${column.results})`)
    }
  }
  return found
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length))
}

export function renderTable(columns: readonly Column[], scenarios: readonly string[]): string {
  const rows = [
    ['scenario', ...columns.map(title)],
    ...scenarios.map((scenario) => [scenario, ...columns.map((column) => cell(column, scenario))]),
  ]
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)))
  const line = (row: string[]) => row.map((text, index) => pad(text, widths[index]!)).join(' | ')
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-')
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n')
}

export function renderMarkdown(columns: readonly Column[], scenarios: readonly string[]): string {
  const header = `| scenario | ${columns.map(title).join(' | ')} |`
  const rule = `| --- | ${columns.map(() => '---').join(' | ')} |`
  const rows = scenarios.map(
    (scenario) =>
      `| ${scenario} | ${columns.map((column) => cell(column, scenario)).join(' | ')} |`,
  )
  return [header, rule, ...rows].join('\n')
}

/** The failing and warning checks of every column, for reading why a cell is not a plain pass. */
export function renderDetails(columns: readonly Column[]): string {
  const lines: string[] = []
  for (const column of columns) {
    if (column.crash !== undefined) lines.push(`${title(column)}: process ended: ${column.crash}`)
    if (typeof column.results === 'string') continue
    for (const result of column.results.values()) {
      for (const failure of result.failures) {
        lines.push(`${title(column)} / ${result.scenario}: FAIL ${failure}`)
      }
      for (const warning of result.warningMessages) {
        lines.push(`${title(column)} / ${result.scenario}: warn ${warning}`)
      }
    }
  }
  return lines.join('\n')
}
