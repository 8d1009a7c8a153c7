import type { Command } from 'commander'
import { formatSourceIssue, PolicyLoadError, type SourceIssue } from '../errors.js'
import { compilePolicies } from '../policy/compile.js'
import { lintPolicies, type LintFinding } from '../policy/lint/index.js'
import { loadPolicies } from '../policy/loader.js'
import { paint } from './style.js'

const FORMATS = ['text', 'json'] as const

interface CheckOptions {
  strict?: boolean
  format: string
}

/** What one check found: load errors (then nothing was linted) or the lint's warnings. */
interface CheckReport {
  files: number
  rules: number
  errors: SourceIssue[]
  warnings: LintFinding[]
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'Validate and lint policies: duplicate names, shadowed or unreachable rules, list rules with argument conditions, cross-file ties',
    )
    .argument('<paths...>', 'policy files, or directories (every *.yaml/*.yml except *.test.yaml)')
    .option('--strict', 'exit 1 when there are warnings')
    .option('--format <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      '\nExit status: 0 valid (warnings allowed unless --strict), 1 warnings with --strict,\n' +
        '2 a policy file is invalid; problems are printed as file:line:column to stderr.',
    )
    .action(async (paths: string[], options: CheckOptions) => {
      process.exitCode = await checkCommand(paths, options)
    })
}

async function checkCommand(paths: string[], options: CheckOptions): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(options.format)) {
    process.stderr.write(`warden check: --format must be one of ${FORMATS.join(', ')}\n`)
    return 2
  }
  const report = await check(paths)
  if (report.errors.length > 0) {
    for (const issue of report.errors) process.stderr.write(`${formatSourceIssue(issue)}\n`)
    const count = report.errors.length
    process.stderr.write(
      `${paint('red', `${count} ${plural(count, 'problem')} found`, process.stderr)}; nothing was linted\n`,
    )
  }
  if (options.format === 'json') process.stdout.write(jsonReport(report))
  if (report.errors.length > 0) return 2
  if (options.format === 'text') process.stdout.write(textReport(report))
  return options.strict && report.warnings.length > 0 ? 1 : 0
}

async function check(paths: string[]): Promise<CheckReport> {
  try {
    const policies = await loadPolicies(paths)
    if (policies.length === 0) {
      const where = paths.join(', ')
      const message = 'no policy files (*.yaml, *.yml other than *.test.yaml) found'
      return { files: 0, rules: 0, errors: [{ file: where, path: '', message }], warnings: [] }
    }
    const set = compilePolicies(policies)
    return {
      files: policies.length,
      rules: set.rules.length,
      errors: [],
      warnings: lintPolicies(set),
    }
  } catch (error) {
    if (error instanceof PolicyLoadError) {
      return { files: 0, rules: 0, errors: [...error.issues], warnings: [] }
    }
    // An unreadable directory and the like: still a failed check, not a crash.
    const issue = { file: paths.join(', '), path: '', message: (error as Error).message }
    return { files: 0, rules: 0, errors: [issue], warnings: [] }
  }
}

function textReport(report: CheckReport): string {
  const lines = report.warnings.map(findingLine)
  const count = report.warnings.length
  const summary = `${report.files} ${plural(report.files, 'file')}, ${report.rules} ${plural(report.rules, 'rule')}, ${count} ${plural(count, 'warning')}`
  lines.push(paint(count > 0 ? 'yellow' : 'green', summary))
  return `${lines.join('\n')}\n`
}

/** `file:line path: [code] message`, as load errors read. */
function findingLine(finding: LintFinding): string {
  const where = [finding.file ?? `<policy ${finding.policy}>`, finding.line, finding.column]
    .filter((part) => part !== undefined)
    .join(':')
  return `${where} ${finding.path}: ${paint('yellow', `[${finding.code}]`)} ${finding.message}`
}

function jsonReport(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`
}
