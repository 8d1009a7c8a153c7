import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { formatSourceIssue } from '../errors.js'
import { runSuites } from '../policy/suite/run-suites.js'
import { belowMinimum, coverageLines } from './reporters/coverage-lines.js'
import { jsonReport } from './reporters/json-reporter.js'
import { junitReport } from './reporters/junit-reporter.js'
import { plain, stdoutPainter } from './reporters/painter.js'
import type { ReportOptions } from './reporters/report-options.js'
import { textReport } from './reporters/text-reporter.js'

const REPORTERS = ['text', 'json', 'junit'] as const
type Reporter = (typeof REPORTERS)[number]

interface TestCommandOptions {
  reporter: string
  output?: string
  coverage?: boolean
  minCoverage?: string
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('Run policy test suites (*.test.yaml) and report the results')
    .argument('<paths...>', 'suite files, or directories searched recursively for *.test.yaml')
    .option('--reporter <name>', 'text, json or junit', 'text')
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('--coverage', 'list the rules that decided no test')
    .option(
      '--min-coverage <percent>',
      'exit 1 when fewer than this percentage of rules decided a test (implies --coverage)',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 every test passed, 1 a test failed or coverage is below --min-coverage,\n' +
        '2 a policy or test file (or an option) is invalid; problems are printed as file:line:column.',
    )
    .action(async (paths: string[], options: TestCommandOptions) => {
      process.exitCode = await testCommand(paths, options)
    })
}

async function testCommand(paths: string[], options: TestCommandOptions): Promise<number> {
  const reporter = options.reporter as Reporter
  if (!REPORTERS.includes(reporter)) {
    return usageError(`--reporter must be one of ${REPORTERS.join(', ')}`)
  }
  const minCoverage = options.minCoverage === undefined ? undefined : Number(options.minCoverage)
  if (minCoverage !== undefined && !(minCoverage >= 0 && minCoverage <= 100)) {
    return usageError('--min-coverage must be a number from 0 to 100')
  }
  const report: ReportOptions = {
    coverage: Boolean(options.coverage) || minCoverage !== undefined,
    ...(minCoverage !== undefined && { minCoverage }),
  }

  const run = await runSuites(paths)
  if (!run.ok) {
    for (const issue of run.issues) process.stderr.write(`${formatSourceIssue(issue)}\n`)
    const count = run.issues.length
    process.stderr.write(`${count} problem${count === 1 ? '' : 's'} found; no tests ran\n`)
    return 2
  }

  const toFile = options.output !== undefined
  const text =
    reporter === 'json'
      ? jsonReport(run, report)
      : reporter === 'junit'
        ? junitReport(run)
        : textReport(run, report, toFile ? plain : stdoutPainter)
  if (toFile) {
    try {
      await writeFile(options.output!, text)
    } catch (error) {
      return usageError(`cannot write ${options.output}: ${(error as Error).message}`)
    }
    process.stdout.write(`${run.summary.passed} passed, ${run.summary.failed} failed\n`)
  } else {
    process.stdout.write(text)
  }
  // JUnit has no place for coverage, so it goes to stderr and keeps stdout valid XML.
  if (reporter === 'junit' && report.coverage) {
    const lines = coverageLines(run.coverage, report.minCoverage, plain)
    process.stderr.write(`${lines.join('\n')}\n`)
  } else if ((reporter === 'json' || toFile) && belowMinimum(run.coverage, report.minCoverage)) {
    process.stderr.write(
      `coverage ${run.coverage.percent}% is below the minimum of ${report.minCoverage}%\n`,
    )
  }
  return run.summary.failed > 0 || belowMinimum(run.coverage, report.minCoverage) ? 1 : 0
}

function usageError(message: string): number {
  process.stderr.write(`warden test: ${message}\n`)
  return 2
}
