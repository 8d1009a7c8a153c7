import type { SourceIssue } from '../../errors.js'
import { findYamlFiles } from '../yaml-files.js'

const SUITE_FILE = /\.test\.ya?ml$/

/**
 * The suite files named by `paths`: a file is taken as given, a directory is searched
 * recursively for *.test.yaml / *.test.yml (skipping node_modules and dot-folders).
 * Sorted, so runs are reproducible. Missing paths come back as issues.
 */
export async function suiteFiles(
  paths: readonly string[],
): Promise<{ files: string[]; issues: SourceIssue[] }> {
  const { files, missing } = await findYamlFiles(paths, (name) => SUITE_FILE.test(name))
  return { files, issues: missing }
}
