/**
 * Browser module /js/parameters.js: every parameter as a path/value row plus the whole value
 * as pretty JSON, with invisible and direction-changing characters made visible.
 */
export const PARAMETERS_JS = String.raw`
import { el } from './dom.js'

// Zero-width, bidi controls, soft hyphen, variation selectors, C1 controls: text that reads
// differently from what it is. They are shown as \u escapes and flagged.
const INVISIBLE = /[\u0080-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]/g

function escapeInvisible(text) {
  return text.replace(INVISIBLE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

export function hasInvisible(text) {
  INVISIBLE.lastIndex = 0
  const found = INVISIBLE.test(text)
  INVISIBLE.lastIndex = 0
  return found
}

function keyPath(parent, key) {
  if (typeof key === 'number') return parent + '[' + key + ']'
  const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
  const segment = plain ? key : '[' + JSON.stringify(key) + ']'
  if (!parent) return segment
  return plain ? parent + '.' + segment : parent + segment
}

/** [{path, text, suspicious}] for every leaf (and every empty object or array). */
export function flattenParameters(value) {
  const rows = []
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      if (node.length === 0) rows.push({ path: path || '(value)', text: '[]', suspicious: false })
      node.forEach((item, index) => walk(item, keyPath(path, index)))
      return
    }
    if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node)
      if (keys.length === 0) rows.push({ path: path || '(value)', text: '{}', suspicious: false })
      for (const key of keys) walk(node[key], keyPath(path, key))
      return
    }
    const text = typeof node === 'string' ? JSON.stringify(node) : String(node)
    const suspicious = hasInvisible(text) || hasInvisible(path)
    rows.push({ path: escapeInvisible(path || '(value)'), text: escapeInvisible(text), suspicious })
  }
  walk(value, '')
  return rows
}

export function prettyParameters(value) {
  return escapeInvisible(JSON.stringify(value, null, 2))
}

/** Fills the table body and the <pre>; returns how many values carry hidden characters. */
export function renderParameters(table, pre, value) {
  const rows = flattenParameters(value)
  const body = el('tbody')
  let suspicious = 0
  for (const row of rows) {
    if (row.suspicious) suspicious++
    body.append(
      el('tr', { class: row.suspicious ? 'suspicious' : undefined },
        el('th', { scope: 'row', text: row.path }),
        el('td', { text: row.text })),
    )
  }
  table.replaceChildren(body)
  pre.textContent = prettyParameters(value)
  return suspicious
}
`
