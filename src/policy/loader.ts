import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PolicyLoadError, type SourceIssue } from '../errors.js'
import { toSourceIssues } from './source-issues.js'
import { policySchema, type Policy } from './schema.js'
import { displayPath, parseYamlSource } from './yaml-source.js'

const POLICY_FILE = /\.ya?ml$/
const TEST_FILE = /\.test\.ya?ml$/

/**
 * Loads policies from a file, a directory (every *.yaml / *.yml below it except *.test.yaml,
 * sorted by path) or a list of both. Throws PolicyLoadError with every problem of every file.
 */
export async function loadPolicies(pathOrPaths: string | readonly string[]): Promise<Policy[]> {
  const files = await policyFiles(typeof pathOrPaths === 'string' ? [pathOrPaths] : pathOrPaths)
  const policies: Policy[] = []
  const issues: SourceIssue[] = []
  for (const file of files) {
    const label = displayPath(file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      issues.push({ file: label, path: '', message: `cannot read: ${(error as Error).message}` })
      continue
    }
    const result = parsePolicy(text, label)
    if (Array.isArray(result)) issues.push(...result)
    else policies.push(result)
  }
  if (issues.length > 0) throw new PolicyLoadError(issues)
  return policies
}

/** Policy files under the given paths, sorted so the result never depends on directory order. */
export async function policyFiles(paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>()
  const missing: SourceIssue[] = []
  for (const path of paths) {
    const absolute = resolve(path)
    const info = await stat(absolute).catch(() => null)
    if (!info) missing.push({ file: path, path: '', message: 'no such file or directory' })
    else if (info.isDirectory()) for (const file of await yamlFilesBelow(absolute)) found.add(file)
    else found.add(absolute)
  }
  if (missing.length > 0) throw new PolicyLoadError(missing, 'ERR_POLICY_NOT_FOUND')
  return [...found].sort()
}

async function yamlFilesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && POLICY_FILE.test(e.name) && !TEST_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
}

/** Parses and validates one policy document; returns the policy or every issue found. */
export function parsePolicy(text: string, file: string): Policy | SourceIssue[] {
  const source = parseYamlSource(text, file)
  if (Array.isArray(source)) return source
  if (source.value === null || source.value === undefined) {
    return [
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: 'the file is empty; a policy needs at least name and rules',
      },
    ]
  }
  const result = policySchema.safeParse(source.value)
  if (!result.success) return toSourceIssues(result.error.issues, file, source.locate)
  const rules = (source.value as { rules: unknown[] }).rules
  return {
    ...result.data,
    source: {
      file,
      line: source.locate([]).line,
      ruleLines: rules.map((_, i) => source.locate(['rules', i]).line),
    },
  }
}
