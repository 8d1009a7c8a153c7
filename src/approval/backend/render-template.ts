import { canonicalJson } from '../../audit/canonical-digest.js'
import { ABSENT, checkFieldPath, parseFieldPath, resolvePath } from '../../policy/field-path.js'

/** The approval service's limits for a request's title and description. */
export const MAX_TITLE_LENGTH = 200
export const MAX_DESCRIPTION_LENGTH = 4000
/** One inserted value never takes more than this many characters of a title. */
export const MAX_VALUE_LENGTH = 64

/** What a template's placeholders read: the request the policy decided, plus the upstream. */
export interface TemplateScope {
  user?: unknown
  tool?: unknown
  resource?: unknown
  prompt?: unknown
  request?: unknown
  /** The upstream server, for `{server}`. */
  server?: string
}

export interface RenderOptions {
  /** Longest result in characters (code points); default MAX_TITLE_LENGTH. */
  maxLength?: number
  /** Keep the template's own line breaks (descriptions); values are always one line. */
  multiline?: boolean
}

/** Shown for a placeholder whose field the call does not have. */
export const ABSENT_TEXT = '(none)'

// `{tool.args.to}` (the documented form) and `{{arguments.to}}` are the same placeholder.
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}|\{([^{}\s]+)\}/g
const CONTROL_RUN = /[\p{Cc}\p{Zl}\p{Zp}\s]+/gu
const INVISIBLE = /\p{Cf}/gu
const BARE = /^[\p{L}\p{N}@._/:+#%&=?~,-]+$/u

/**
 * A policy's title template filled from the call. One pass: a value is never read as a
 * placeholder. Each value is made one visible line (control, format and bidi characters
 * removed), capped at MAX_VALUE_LENGTH, and quoted unless it is a plain word, so an argument
 * can never pass for the template's own text. An unknown placeholder stays as written.
 */
export function renderTitle(template: string, scope: TemplateScope): string {
  return renderTemplate(template, scope, { maxLength: MAX_TITLE_LENGTH })
}

/** renderTitle for longer text (a rule's description template). */
export function renderDescription(template: string, scope: TemplateScope): string {
  return renderTemplate(template, scope, { maxLength: MAX_DESCRIPTION_LENGTH, multiline: true })
}

export function renderTemplate(
  template: string,
  scope: TemplateScope,
  options: RenderOptions = {},
): string {
  const literal = (text: string) => cleanText(text, options.multiline === true)
  let out = ''
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    out += literal(template.slice(last, match.index))
    const value = lookup((match[1] ?? match[2])!, scope)
    out += value === UNKNOWN ? literal(match[0]) : displayValue(value)
    last = match.index + match[0].length
  }
  out += literal(template.slice(last))
  return capLength(out.trim(), options.maxLength ?? MAX_TITLE_LENGTH)
}

const UNKNOWN = Symbol('unknown placeholder')

function lookup(name: string, scope: TemplateScope): unknown {
  if (name === 'server') return scope.server ?? ABSENT
  if (name === 'tool') return resolvePath(scope.tool, ['name'])
  const path = name.replace(/^(arguments|args)\./, 'tool.args.')
  if (checkFieldPath(path) !== null) return UNKNOWN
  const { root, segments } = parseFieldPath(path)
  return resolvePath(scope[root], segments)
}

/**
 * One value as a title shows it: numbers, booleans and null as JSON; objects and arrays as
 * canonical JSON; strings bare when they are one plain word, else in double quotes.
 */
export function displayValue(value: unknown): string {
  if (value === ABSENT) return ABSENT_TEXT
  if (typeof value === 'string') {
    const text = capLength(cleanText(value, false).trim(), MAX_VALUE_LENGTH)
    return needsQuotes(text) ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text
  }
  return capLength(cleanText(jsonText(value), false), MAX_VALUE_LENGTH)
}

/** Any run of whitespace or control characters becomes one space; invisible characters go. */
export function cleanText(text: string, multiline: boolean): string {
  const visible = text.replace(INVISIBLE, '')
  if (!multiline) return visible.replace(CONTROL_RUN, ' ')
  return visible
    .split(/\r\n|[\n\r\u2028\u2029]/)
    .map((line) => line.replace(CONTROL_RUN, ' '))
    .join('\n')
}

/** At most `max` code points, the last one an ellipsis when cut. */
export function capLength(text: string, max: number): string {
  const points = Array.from(text)
  if (points.length <= max) return text
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`
}

function needsQuotes(text: string): boolean {
  if (!BARE.test(text)) return true
  // A string that reads as a number or a JSON literal is quoted, so "500" never passes for 500.
  return /^(true|false|null)$/.test(text) || (text !== '' && Number.isFinite(Number(text)))
}

function jsonText(value: unknown): string {
  try {
    return canonicalJson(value)
  } catch {
    return JSON.stringify(value) ?? String(value)
  }
}
