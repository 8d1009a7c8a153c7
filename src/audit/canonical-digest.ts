import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { WardenError } from '../errors.js'

/**
 * The RFC 8785 (JCS) form of a JSON value: keys sorted by UTF-16 code units, no whitespace,
 * numbers as ECMAScript prints them. Nested `undefined` follows JSON.stringify (an object
 * member is left out, an array element becomes null), because that is what goes on the wire.
 * Throws ERR_NOT_CANONICALIZABLE for anything two parties could read differently: integers
 * beyond ±(2^53 - 1), NaN and ±Infinity, lone surrogates, a top-level undefined, functions,
 * BigInt, symbols, cycles and objects that are neither plain nor have a toJSON method.
 */
export function canonicalJson(value: unknown): string {
  const json = toJsonValue(value, '$', new Set())
  if (json === undefined) throw notCanonicalizable('$', 'undefined has no JSON form')
  let text: string | undefined
  try {
    text = canonicalize(json)
  } catch (error) {
    throw notCanonicalizable('$', (error as Error).message, error)
  }
  if (text === undefined) throw notCanonicalizable('$', 'no JSON form')
  return text
}

/** Hex SHA-256 of the value's RFC 8785 form; used for argument digests and content hashes. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex')
}

/** A copy holding only JSON data; `undefined` means "leave this member out". */
function toJsonValue(value: unknown, path: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw notCanonicalizable(path, 'string has a lone surrogate')
      return value
    case 'boolean':
      return value
    case 'number':
      return checkedNumber(value, path)
    case 'undefined':
      return undefined
    case 'bigint':
    case 'symbol':
    case 'function':
      throw notCanonicalizable(path, `a ${typeof value} has no JSON form`)
  }
  if (value === null) return null
  const object = value as object
  if (ancestors.has(object)) throw notCanonicalizable(path, 'circular reference')
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    ancestors.add(object)
    const json = toJsonValue(toJSON.call(object), path, ancestors)
    ancestors.delete(object)
    return json
  }
  ancestors.add(object)
  const json = Array.isArray(object)
    ? object.map((item, index) => toJsonValue(item, `${path}[${index}]`, ancestors) ?? null)
    : membersOf(object, path, ancestors)
  ancestors.delete(object)
  return json
}

function membersOf(object: object, path: string, ancestors: Set<object>): object {
  const prototype = Object.getPrototypeOf(object) as unknown
  if (prototype !== Object.prototype && prototype !== null) {
    const kind = (object.constructor as { name?: string } | undefined)?.name ?? 'object'
    throw notCanonicalizable(path, `a ${kind} is not plain JSON data`)
  }
  // A null-prototype copy, so a "__proto__" member stays a member instead of a prototype.
  const copy = Object.create(null) as Record<string, unknown>
  for (const key of Object.keys(object)) {
    if (hasLoneSurrogate(key)) throw notCanonicalizable(path, 'a key has a lone surrogate')
    const member = toJsonValue(
      (object as Record<string, unknown>)[key],
      `${path}.${key}`,
      ancestors,
    )
    if (member !== undefined) copy[key] = member
  }
  return copy
}

function checkedNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) throw notCanonicalizable(path, `${value} is not a JSON number`)
  // Beyond 2^53 - 1, JSON readers disagree on the value (and JS has already rounded it).
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw notCanonicalizable(path, `${value} is outside the safe integer range`)
  }
  return value
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

function notCanonicalizable(path: string, why: string, cause?: unknown): WardenError {
  return new WardenError(
    'ERR_NOT_CANONICALIZABLE',
    `cannot canonicalize ${path}: ${why}`,
    cause === undefined ? undefined : { cause },
  )
}
