import { WardenError } from '../../errors.js'

/** A calendar date; `month` 1–12. */
export interface CivilDate {
  year: number
  month: number
  day: number
}

const DAY_MS = 86_400_000
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch {
      throw new WardenError('ERR_CONFIG_INVALID', `unknown time zone "${timeZone}"`)
    }
    formatters.set(timeZone, format)
  }
  return format
}

/** Throws ERR_CONFIG_INVALID unless `timeZone` is an IANA zone (or UTC) this runtime knows. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone)
}

/**
 * The wall-clock reading of instant `t` in `timeZone`, expressed as if that reading were UTC
 * (epoch ms). `wallClock(t) - t` is the zone's offset at `t`.
 */
export function wallClock(t: number, timeZone: string): number {
  const parts: Record<string, string> = {}
  for (const part of formatter(timeZone).formatToParts(t)) parts[part.type] = part.value
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC, which maps years 0–99 to 1900–1999.
  date.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day))
  date.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), mod(t, 1000))
  return date.getTime()
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b
}

/** The calendar date of instant `t` in `timeZone`. */
export function civilDate(t: number, timeZone: string): CivilDate {
  return fromDays(Math.floor(wallClock(t, timeZone) / DAY_MS))
}

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
export function toDays(date: CivilDate): number {
  const d = new Date(0)
  d.setUTCFullYear(date.year, date.month - 1, date.day)
  return Math.floor(d.getTime() / DAY_MS)
}

export function fromDays(days: number): CivilDate {
  const d = new Date(days * DAY_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

/**
 * The first instant of a calendar day in `timeZone`: local midnight, or, where a DST change
 * skips midnight, the instant the day begins. Where midnight occurs twice, the earlier.
 */
export function startOfDay(date: CivilDate, timeZone: string): number {
  const midnight = toDays(date) * DAY_MS
  // The zone's offsets either side of the day cover any single transition near midnight.
  const offsets = new Set(
    [-DAY_MS, 0, DAY_MS].map((delta) => wallClock(midnight + delta, timeZone) - (midnight + delta)),
  )
  const exact = [...offsets]
    .map((offset) => midnight - offset)
    .filter((t) => wallClock(t, timeZone) === midnight)
  if (exact.length > 0) return Math.min(...exact)
  // Midnight does not exist that day: find the transition, the first instant on or after it.
  let lo = midnight - DAY_MS
  let hi = midnight + DAY_MS
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (wallClock(mid, timeZone) >= midnight) hi = mid
    else lo = mid
  }
  return hi
}
