import { readFile } from 'node:fs/promises'
import { PolicyLoadError, type SourceIssue } from '../errors.js'
import { toSourceIssues } from './source-issues.js'
import { policySchema, type Policy } from './schema.js'
import { displayPath, parseYamlSource } from './yaml-source.js'
import { findYamlFiles } from './yaml-files.js'

const POLICY_FILE = /\.ya?ml$/
const TEST_FILE = /\.test\.ya?ml$/
/** Approval auto-rules share policy folders; their top-level `kind` tells them apart. */
const APPROVAL_RULES_KIND = /^kind:[ \t]*(["']?)approval-rules\1[ \t]*(#.*)?$/m

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
    if (APPROVAL_RULES_KIND.test(text)) continue
    const result = parsePolicy(text, label)
    if (Array.isArray(result)) issues.push(...result)
    else policies.push(result)
  }
  if (issues.length > 0) throw new PolicyLoadError(issues)
  return policies
}

/** Policy files under the given paths (directories: every *.yaml / *.yml but *.test.yaml), sorted. */
export async function policyFiles(paths: readonly string[]): Promise<string[]> {
  const { files, missing } = await findYamlFiles(
    paths,
    (name) => POLICY_FILE.test(name) && !TEST_FILE.test(name),
  )
  if (missing.length > 0) throw new PolicyLoadError(missing, 'ERR_POLICY_NOT_FOUND')
  return files
}

/** Parses and validates one policy document; returns the policy or every issue found. */
export function parsePolicy(text: string, file: string): Policy | SourceIssue[] {
  const source = parseYamlSource(text, file, 'a policy needs at least name and rules')
  if (Array.isArray(source)) return source
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
