import type { z } from 'zod'
import type { SourceIssue } from '../errors.js'

type Locate = (path: readonly PropertyKey[], atKey?: boolean) => { line: number; column: number }

/** Zod issues as SourceIssues, one per unknown key, placed at file:line:column when `locate` can. */
export function toSourceIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string | undefined,
  locate?: Locate,
): SourceIssue[] {
  const out: SourceIssue[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key]
        out.push({
          file,
          ...locate?.(path, true),
          path: formatPath(path),
          message: `unknown key "${key}"`,
        })
      }
      continue
    }
    out.push({
      file,
      ...locate?.(issue.path),
      path: formatPath(issue.path),
      message: readable(issue),
    })
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))
}

/** `rules[1].conditions[0].operator` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

function readable(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
    return 'is required'
  return issue.message
}
