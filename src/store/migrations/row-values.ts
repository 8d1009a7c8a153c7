import { newId } from '../ids.js'
import { WardenError } from '../../errors.js'

// Values as both drivers return them: pg gives BIGINT as a string, SQLite booleans as 0/1.
export type Ms = number | string
export type Flag = number | boolean
export type Opt<T> = T | null

export function iso(ms: Ms): string {
  return new Date(Number(ms)).toISOString()
}

/** Epoch ms of an ISO time the service handed in; a bad one is a caller bug, refused. */
export function ms(isoTime: string, field: string): number {
  const value = Date.parse(isoTime)
  if (!Number.isFinite(value)) {
    throw new WardenError('ERR_INTERNAL', `${field} is not an ISO 8601 time: ${isoTime}`)
  }
  return value
}

export function optMs(isoTime: string | undefined, field: string): number | null {
  return isoTime === undefined ? null : ms(isoTime, field)
}

/** The entries whose value is present (neither null nor undefined). */
export function present<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: NonNullable<T[K]> } {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined) out[key] = value
  }
  return out as { [K in keyof T]?: NonNullable<T[K]> }
}

export function optIso(value: Opt<Ms>): string | undefined {
  return value === null ? undefined : iso(value)
}

export function optJson<T>(text: Opt<string>): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T)
}

/**
 * The id the caller chose, if its record carries one (a webhook's sealed secret is bound to
 * its id, so the id must exist before the row does), else a new `prefix_…` id.
 */
export function chosenId(record: object, prefix: string): string {
  const id = (record as { id?: unknown }).id
  return typeof id === 'string' && id !== '' ? id : newId(prefix)
}
