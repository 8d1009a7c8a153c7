import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import type { SourceIssue } from '../../errors.js'
import { displayPath } from '../../policy/yaml-source.js'
import { findYamlFiles } from '../../policy/yaml-files.js'
import { ApprovalRulesError } from './approval-rules-error.js'
import { compileApprovalRules, type ApprovalRules } from './approval-rules.js'
import { APPROVAL_RULES_KIND, type ApprovalRule } from './approval-rules-schema.js'
import {
  duplicateNameIssues,
  readApprovalRulesFile,
  type NamedRule,
} from './parse-approval-rules.js'

const YAML_FILE = /\.ya?ml$/

/**
 * Loads approval rules from files and directories. A file named directly must be an
 * approval-rules file; in a directory, every *.yaml / *.yml whose top-level `kind` is
 * `approval-rules` is taken (other files, such as policies, are skipped), sorted by path.
 * Rules apply in that order. Throws ApprovalRulesError with every issue of every file.
 */
export async function loadApprovalRules(paths: string | readonly string[]): Promise<ApprovalRules> {
  const list = typeof paths === 'string' ? [paths] : paths
  const { files, missing } = await findYamlFiles(list, (name) => YAML_FILE.test(name))
  if (missing.length > 0) throw new ApprovalRulesError(missing)
  const named = new Set(await namedFiles(list))
  const rules: ApprovalRule[] = []
  const issues: SourceIssue[] = []
  const names: NamedRule[] = []
  for (const file of files) {
    const label = displayPath(file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      issues.push({ file: label, path: '', message: `cannot read: ${(error as Error).message}` })
      continue
    }
    if (!named.has(file) && !declaresApprovalRulesKind(text)) continue
    const result = readApprovalRulesFile(text, label)
    if (Array.isArray(result)) {
      issues.push(...result)
      continue
    }
    rules.push(...result.rules)
    result.rules.forEach((rule, index) =>
      names.push({ file: label, name: rule.name, index, ...result.positions[index]! }),
    )
  }
  issues.push(...duplicateNameIssues(names))
  if (issues.length > 0) throw new ApprovalRulesError(issues)
  return compileApprovalRules(rules)
}

/** The paths given as files (not directories), resolved as findYamlFiles resolves them. */
async function namedFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => null)
    if (info?.isFile()) out.push(resolve(path))
  }
  return out
}

/**
 * Whether a YAML text is an approval-rules file (top-level `kind: approval-rules`), so the
 * policy loader can skip it. A text that does not parse counts when it has a top-level
 * `kind: approval-rules` line, so a broken rules file (which may hold auto_deny rules) is
 * reported rather than skipped.
 */
export function declaresApprovalRulesKind(text: string): boolean {
  const doc = parseDocument(text, { uniqueKeys: false })
  if (doc.errors.length === 0) {
    try {
      const value: unknown = doc.toJS({ maxAliasCount: 100 })
      return (
        typeof value === 'object' &&
        value !== null &&
        (value as { kind?: unknown }).kind === APPROVAL_RULES_KIND
      )
    } catch {
      // A broken alias: fall through to the text check, so the file is still reported.
    }
  }
  return new RegExp(`^kind:\\s*(["']?)${APPROVAL_RULES_KIND}\\1\\s*(#.*)?$`, 'm').test(text)
}
