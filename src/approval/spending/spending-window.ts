import type { SpendingLimit } from '../../store/store.js'
import { civilDate, fromDays, startOfDay, toDays, type CivilDate } from './zoned-time.js'

export type SpendingPeriod = SpendingLimit['period']

/**
 * The calendar window containing `now` in `timeZone`: daily = local midnight to midnight,
 * weekly = Monday 00:00 to the next Monday, monthly = the 1st 00:00 to the next 1st.
 * `start` is inclusive, `end` exclusive (epoch ms); days of 23 or 25 hours are kept whole.
 */
export function spendingWindow(
  period: SpendingPeriod,
  now: number,
  timeZone: string,
): { start: number; end: number } {
  const today = civilDate(now, timeZone)
  const [first, next] = bounds(period, today)
  return { start: startOfDay(first, timeZone), end: startOfDay(next, timeZone) }
}

function bounds(period: SpendingPeriod, today: CivilDate): [CivilDate, CivilDate] {
  const days = toDays(today)
  switch (period) {
    case 'daily':
      return [today, fromDays(days + 1)]
    case 'weekly': {
      // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
      const sinceMonday = (((days + 3) % 7) + 7) % 7
      return [fromDays(days - sinceMonday), fromDays(days - sinceMonday + 7)]
    }
    case 'monthly': {
      const { year, month } = today
      const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 }
      return [
        { year, month, day: 1 },
        { ...next, day: 1 },
      ]
    }
  }
}
