import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { SourceIssue } from '../../errors.js'
import { policyFiles } from '../loader.js'
import { formatPath, toSourceIssues } from '../source-issues.js'
import { displayPath, parseYamlSource, type YamlSource } from '../yaml-source.js'
import { suiteProblems, type SuiteProblem } from './suite-checks.js'
import { testSuiteSchema } from './suite-schema.js'
import { toTestCase, type TestCase } from './test-case.js'

/** A validated test suite, its policy paths resolved against the suite's own folder. */
export interface LoadedSuite {
  name: string
  /** The suite file as messages show it (relative to the working directory). */
  file: string
  /** The absolute policy files the suite's `policies` name, sorted (directories expanded). */
  policyFiles: string[]
  cases: TestCase[]
}

/** Reads and validates one `*.test.yaml`; returns the suite or every problem in the file. */
export async function loadSuite(path: string): Promise<LoadedSuite | SourceIssue[]> {
  const absolute = resolve(path)
  const file = displayPath(absolute)
  let text: string
  try {
    text = await readFile(absolute, 'utf8')
  } catch (error) {
    return [{ file, path: '', message: `cannot read: ${(error as Error).message}` }]
  }
  const source = parseYamlSource(text, file, 'a suite needs suite, policies and tests')
  if (Array.isArray(source)) return source
  const result = testSuiteSchema.safeParse(source.value)
  const issues = result.success ? [] : toSourceIssues(result.error.issues, file, source.locate)
  const problems = [
    ...suiteProblems(source.value),
    ...(await missingPolicies(source.value, absolute)),
  ]
  issues.push(...problems.map((problem) => positioned(problem, source)))
  if (!result.success || issues.length > 0) return sortByPosition(issues)

  const doc = result.data
  const files = await policyFiles(doc.policies.map((p) => resolve(dirname(absolute), p)))
  if (files.length === 0) {
    return [
      positioned({ path: ['policies'], message: 'names no policy files (*.yaml, *.yml)' }, source),
    ]
  }
  return {
    name: doc.suite,
    file,
    policyFiles: files,
    cases: doc.tests.map((test, i) =>
      toTestCase(test, doc.identities, source.locate(['tests', i]).line),
    ),
  }
}

async function missingPolicies(raw: unknown, suiteFile: string): Promise<SuiteProblem[]> {
  const listed = (raw as { policies?: unknown }).policies
  if (!Array.isArray(listed)) return []
  const problems: SuiteProblem[] = []
  for (const [i, entry] of listed.entries()) {
    if (typeof entry !== 'string' || entry === '') continue
    const target = resolve(dirname(suiteFile), entry)
    if (!(await stat(target).catch(() => null))) {
      problems.push({
        path: ['policies', i],
        message: `no such file or directory: ${displayPath(target)}`,
      })
    }
  }
  return problems
}

function positioned(problem: SuiteProblem, source: YamlSource): SourceIssue {
  return {
    file: source.file,
    ...source.locate(problem.path, problem.atKey),
    path: formatPath(problem.path),
    message: problem.message,
  }
}

function sortByPosition(issues: SourceIssue[]): SourceIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}
