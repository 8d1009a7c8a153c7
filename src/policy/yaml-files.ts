import { readdir, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { SourceIssue } from '../errors.js'

/** Folders a project's tree holds that never contain its own policies or suites. */
const SKIPPED_DIRS = new Set(['node_modules'])

/**
 * Files named by `paths`: a file is taken as given, a directory is searched recursively for
 * names `accept` takes (skipping node_modules and dot-folders). Sorted, so the result never
 * depends on directory order. Missing paths come back as issues.
 */
export async function findYamlFiles(
  paths: readonly string[],
  accept: (name: string) => boolean,
): Promise<{ files: string[]; missing: SourceIssue[] }> {
  const found = new Set<string>()
  const missing: SourceIssue[] = []
  for (const path of paths) {
    const absolute = resolve(path)
    const info = await stat(absolute).catch(() => null)
    if (!info) missing.push({ file: path, path: '', message: 'no such file or directory' })
    else if (info.isDirectory())
      for (const file of await filesBelow(absolute, accept)) found.add(file)
    else found.add(absolute)
  }
  return { files: [...found].sort(), missing }
}

async function filesBelow(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
        files.push(...(await filesBelow(join(dir, entry.name), accept)))
      }
    } else if (entry.isFile() && accept(entry.name)) {
      files.push(join(dir, entry.name))
    }
  }
  return files
}
