import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { spendingWindow } from '../../../src/approval/spending/spending-window.js'
import { civilDate, toDays } from '../../../src/approval/spending/zoned-time.js'

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Apia',
  'Pacific/Chatham',
] as const
const PERIODS = ['daily', 'weekly', 'monthly'] as const

const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })

describe('spendingWindow properties', () => {
  it('contains now, tiles time without gaps and starts on the right calendar day', () => {
    fc.assert(
      fc.property(
        instant,
        fc.constantFrom(...ZONES),
        fc.constantFrom(...PERIODS),
        (now, zone, period) => {
          const { start, end } = spendingWindow(period, now, zone)
          expect(start).toBeLessThanOrEqual(now)
          expect(now).toBeLessThan(end)
          expect(spendingWindow(period, start, zone).start).toBe(start)
          expect(spendingWindow(period, end - 1, zone)).toEqual({ start, end })
          expect(spendingWindow(period, end, zone).start).toBe(end)
          expect(spendingWindow(period, start - 1, zone).end).toBe(start)
          const first = civilDate(start, zone)
          if (period === 'weekly') expect((toDays(first) + 3) % 7).toBe(0)
          if (period === 'monthly') expect(first.day).toBe(1)
          if (period === 'daily') {
            expect(end - start).toBeGreaterThanOrEqual(23 * 3_600_000)
            expect(end - start).toBeLessThanOrEqual(25 * 3_600_000)
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
