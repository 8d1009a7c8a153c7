import { relative } from 'node:path'
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml'
import type { SourceIssue } from '../errors.js'

/** A parsed YAML file that can say where any path of it sits. */
export interface YamlSource {
  file: string
  value: unknown
  /** 1-based line and column of the node at `path` (the key itself when `atKey`). */
  locate(path: readonly PropertyKey[], atKey?: boolean): { line: number; column: number }
}

/** Shortens an absolute path to one relative to the working directory, for messages. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') ? rel : file
}

/**
 * Parses one YAML document; syntax errors, and an empty document (with `needs` saying what it
 * should hold), come back as issues with their positions.
 */
export function parseYamlSource(
  text: string,
  file: string,
  needs: string,
): YamlSource | SourceIssue[] {
  const lineCounter = new LineCounter()
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const list = Array.isArray(documents) ? documents : [documents]
  const issues: SourceIssue[] = []
  const seen = new Set<string>()
  for (const doc of list) {
    for (const error of doc.errors) {
      // The parser can report one fault twice (e.g. an unclosed flow map).
      const key = `${error.pos[0]}:${error.message}`
      if (seen.has(key)) continue
      seen.add(key)
      // Clamped: an error at end of input points past the last character.
      const pos = lineCounter.linePos(Math.min(error.pos[0], Math.max(text.length - 1, 0)))
      issues.push({
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `YAML: ${firstLine(error.message)}`,
      })
    }
  }
  if (list.length > 1) {
    const start = list[1]!.range[0]
    const pos = lineCounter.linePos(start)
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: 'one YAML document per file',
    })
  }
  if (issues.length > 0) return issues
  const doc = list[0] as Document | undefined
  let value: unknown
  try {
    value = doc ? doc.toJS({ maxAliasCount: 100 }) : null
  } catch (error) {
    // An alias with no anchor, or one that expands past maxAliasCount (an alias bomb).
    const pos = lineCounter.linePos(firstAliasOffset(text))
    return [
      {
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `YAML: ${firstLine((error as Error).message)}`,
      },
    ]
  }
  if (value === null || value === undefined) {
    return [{ file, line: 1, column: 1, path: '', message: `the file is empty; ${needs}` }]
  }
  return {
    file,
    value,
    locate(path, atKey = false) {
      const node = doc ? findNode(doc.contents as Node | null, path, atKey) : null
      const offset = node?.range?.[0] ?? 0
      const pos = lineCounter.linePos(offset)
      return { line: pos.line, column: pos.col }
    },
  }
}

/** Where the first alias (`*name`) sits, for an error the YAML library gives no position. */
function firstAliasOffset(text: string): number {
  const match = /(^|[\s[{,:-])\*[^\s,\]}]+/.exec(text)
  return match ? match.index + match[1]!.length : 0
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim()
}

/** The deepest existing node along `path`. */
function findNode(root: Node | null, path: readonly PropertyKey[], atKey: boolean): Node | null {
  let node: Node | null = root
  for (let i = 0; i < path.length; i++) {
    const key = path[i]
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key),
      )
      if (!pair) return node
      if (last && atKey) return pair.key as Node
      node = (pair.value as Node | null) ?? (pair.key as Node)
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined
      if (!item) return node
      node = item
    } else {
      return node
    }
  }
  return node
}
