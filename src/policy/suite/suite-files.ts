import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { SourceIssue } from '../../errors.js'

const SUITE_FILE = /\.test\.ya?ml$/
/** Folders a project's tree holds that never contain its own suites. */
const SKIPPED_DIRS = new Set(['node_modules'])

/**
 * The suite files named by `paths`: a file is taken as given, a directory is searched
 * recursively for *.test.yaml / *.test.yml (skipping node_modules and dot-folders).
 * Sorted, so runs are reproducible. Missing paths come back as issues.
 */
export async function suiteFiles(
  paths: readonly string[],
): Promise<{ files: string[]; issues: SourceIssue[] }> {
  const found = new Set<string>()
  const issues: SourceIssue[] = []
  for (const path of paths) {
    const absolute = resolve(path)
    const info = await stat(absolute).catch(() => null)
    if (!info) issues.push({ file: path, path: '', message: 'no such file or directory' })
    else if (info.isDirectory()) for (const file of await suitesBelow(absolute)) found.add(file)
    else found.add(absolute)
  }
  return { files: [...found].sort(), issues }
}

async function suitesBelow(dir: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
        files.push(...(await suitesBelow(join(dir, entry.name))))
      }
    } else if (entry.isFile() && SUITE_FILE.test(entry.name)) {
      files.push(join(dir, entry.name))
    }
  }
  return files
}
