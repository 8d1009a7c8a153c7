import { describe, expect, it } from 'vitest'
import { WardenError } from '../../../src/errors.js'
import {
  spendingWindow,
  type SpendingPeriod,
} from '../../../src/approval/spending/spending-window.js'

const ms = (iso: string) => Date.parse(iso)
const H = 3_600_000

function window(period: SpendingPeriod, now: string, zone: string): [string, string] {
  const { start, end } = spendingWindow(period, ms(now), zone)
  return [new Date(start).toISOString(), new Date(end).toISOString()]
}

describe('spendingWindow in UTC', () => {
  it('covers the calendar day, the Monday week and the month', () => {
    const now = '2025-06-18T13:45:00.000Z' // a Wednesday
    expect(window('daily', now, 'UTC')).toEqual([
      '2025-06-18T00:00:00.000Z',
      '2025-06-19T00:00:00.000Z',
    ])
    expect(window('weekly', now, 'UTC')).toEqual([
      '2025-06-16T00:00:00.000Z',
      '2025-06-23T00:00:00.000Z',
    ])
    expect(window('monthly', now, 'UTC')).toEqual([
      '2025-06-01T00:00:00.000Z',
      '2025-07-01T00:00:00.000Z',
    ])
  })

  it('starts the week on Monday: Sunday belongs to the week before, Monday opens the next', () => {
    expect(window('weekly', '2025-06-22T23:59:59.999Z', 'UTC')[0]).toBe('2025-06-16T00:00:00.000Z')
    expect(window('weekly', '2025-06-23T00:00:00.000Z', 'UTC')[0]).toBe('2025-06-23T00:00:00.000Z')
  })

  it('crosses the year end', () => {
    expect(window('weekly', '2025-12-31T12:00:00Z', 'UTC')).toEqual([
      '2025-12-29T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
    ])
    expect(window('monthly', '2025-12-31T23:59:59.999Z', 'UTC')).toEqual([
      '2025-12-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ])
    expect(window('daily', '2025-12-31T23:59:59.999Z', 'UTC')[1]).toBe('2026-01-01T00:00:00.000Z')
  })

  it('handles month ends, leap days included', () => {
    expect(window('monthly', '2024-02-29T12:00:00Z', 'UTC')).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ])
    expect(window('daily', '2024-02-29T12:00:00Z', 'UTC')).toEqual([
      '2024-02-29T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ])
    expect(window('monthly', '2025-04-30T23:59:59.999Z', 'UTC')[1]).toBe('2025-05-01T00:00:00.000Z')
  })

  it('is inclusive at the start and exclusive at the end', () => {
    expect(window('daily', '2025-06-18T00:00:00.000Z', 'UTC')[0]).toBe('2025-06-18T00:00:00.000Z')
    expect(window('daily', '2025-06-19T00:00:00.000Z', 'UTC')[0]).toBe('2025-06-19T00:00:00.000Z')
  })
})

describe('spendingWindow in Europe/Berlin', () => {
  const zone = 'Europe/Berlin'

  it('keeps the 23-hour day of the spring change whole', () => {
    const [start, end] = window('daily', '2025-03-30T12:00:00Z', zone)
    expect([start, end]).toEqual(['2025-03-29T23:00:00.000Z', '2025-03-30T22:00:00.000Z'])
    expect(ms(end) - ms(start)).toBe(23 * H)
  })

  it('keeps the 25-hour day of the autumn change whole', () => {
    const [start, end] = window('daily', '2025-10-26T01:30:00Z', zone)
    expect([start, end]).toEqual(['2025-10-25T22:00:00.000Z', '2025-10-26T23:00:00.000Z'])
    expect(ms(end) - ms(start)).toBe(25 * H)
  })

  it('gives the week and month that span a change their local midnights', () => {
    expect(window('weekly', '2025-03-30T21:59:59.999Z', zone)).toEqual([
      '2025-03-23T23:00:00.000Z',
      '2025-03-30T22:00:00.000Z',
    ])
    expect(window('weekly', '2025-03-30T22:00:00.000Z', zone)[0]).toBe('2025-03-30T22:00:00.000Z')
    expect(window('monthly', '2025-03-15T12:00:00Z', zone)).toEqual([
      '2025-02-28T23:00:00.000Z',
      '2025-03-31T22:00:00.000Z',
    ])
    expect(window('monthly', '2025-10-31T22:59:59.999Z', zone)).toEqual([
      '2025-09-30T22:00:00.000Z',
      '2025-10-31T23:00:00.000Z',
    ])
  })

  it('puts the first hours of January 1st (local) in the new year', () => {
    expect(window('monthly', '2025-12-31T23:30:00Z', zone)).toEqual([
      '2025-12-31T23:00:00.000Z',
      '2026-01-31T23:00:00.000Z',
    ])
    expect(window('weekly', '2025-12-31T23:30:00Z', zone)).toEqual([
      '2025-12-28T23:00:00.000Z',
      '2026-01-04T23:00:00.000Z',
    ])
  })
})

describe('spendingWindow in America/New_York', () => {
  const zone = 'America/New_York'

  it('keeps the DST days whole', () => {
    expect(window('daily', '2025-03-09T12:00:00Z', zone)).toEqual([
      '2025-03-09T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ])
    expect(window('daily', '2025-11-02T12:00:00Z', zone)).toEqual([
      '2025-11-02T04:00:00.000Z',
      '2025-11-03T05:00:00.000Z',
    ])
  })

  it('puts both readings of the repeated 01:30 in the same day', () => {
    const first = window('daily', '2025-11-02T05:30:00Z', zone)
    const second = window('daily', '2025-11-02T06:30:00Z', zone)
    expect(first).toEqual(second)
  })

  it('reads the day from local time, not UTC', () => {
    expect(window('daily', '2025-11-03T04:59:59.999Z', zone)[0]).toBe('2025-11-02T04:00:00.000Z')
    expect(window('daily', '2025-11-03T05:00:00.000Z', zone)[0]).toBe('2025-11-03T05:00:00.000Z')
    expect(window('monthly', '2026-01-01T04:59:59.999Z', zone)).toEqual([
      '2025-12-01T05:00:00.000Z',
      '2026-01-01T05:00:00.000Z',
    ])
    expect(window('weekly', '2025-03-10T03:00:00Z', zone)).toEqual([
      '2025-03-03T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ])
  })
})

describe('spendingWindow where midnight itself moves', () => {
  it('starts the day at the transition when DST skips midnight (America/Santiago)', () => {
    expect(window('daily', '2024-09-08T12:00:00Z', 'America/Santiago')).toEqual([
      '2024-09-08T04:00:00.000Z',
      '2024-09-09T03:00:00.000Z',
    ])
    expect(window('daily', '2024-09-07T12:00:00Z', 'America/Santiago')[1]).toBe(
      '2024-09-08T04:00:00.000Z',
    )
  })

  it('ends the day at its one midnight when DST repeats the hour before it', () => {
    expect(window('daily', '2025-04-06T03:30:00Z', 'America/Santiago')).toEqual([
      '2025-04-05T03:00:00.000Z',
      '2025-04-06T04:00:00.000Z',
    ])
  })

  it('runs the day before a skipped date up to the next day (Pacific/Apia, 2011)', () => {
    expect(window('daily', '2011-12-29T12:00:00Z', 'Pacific/Apia')).toEqual([
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
    ])
  })
})

describe('spendingWindow input checks', () => {
  it('refuses an unknown time zone with ERR_CONFIG_INVALID', () => {
    const error = (() => {
      try {
        spendingWindow('daily', 0, 'Mars/Olympus_Mons')
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ERR_CONFIG_INVALID')
  })
})
