import { describe, expect, it } from 'vitest'
import type { SpendingLimit } from '../../../src/store/store.js'
import { applicableWindows } from '../../../src/approval/spending/spending-windows.js'

const limit = (over: Partial<SpendingLimit> & Pick<SpendingLimit, 'id'>): SpendingLimit => ({
  action_type: 'purchase',
  period: 'daily',
  limit: 100,
  created_at: '2025-01-01T00:00:00.000Z',
  ...over,
})

const limits = [
  limit({ id: 'lim_global' }),
  limit({ id: 'lim_bot', agent: 'bot-1', period: 'weekly', limit: 300 }),
  limit({ id: 'lim_other', agent: 'bot-2' }),
  limit({ id: 'lim_social', action_type: 'social' }),
]

describe('applicableWindows', () => {
  it('takes the agent’s own and the global limits of the same action type, with windows', () => {
    const now = Date.parse('2025-06-18T10:00:00Z')
    const windows = applicableWindows(
      limits,
      { created_by: 'bot-1', action_type: 'purchase' },
      now,
      'Europe/Berlin',
    )
    expect(windows).toEqual([
      {
        limit_id: 'lim_global',
        action_type: 'purchase',
        period: 'daily',
        limit: 100,
        start: Date.parse('2025-06-17T22:00:00Z'),
        end: Date.parse('2025-06-18T22:00:00Z'),
      },
      {
        limit_id: 'lim_bot',
        agent: 'bot-1',
        action_type: 'purchase',
        period: 'weekly',
        limit: 300,
        start: Date.parse('2025-06-15T22:00:00Z'),
        end: Date.parse('2025-06-22T22:00:00Z'),
      },
    ])
    expect('agent' in windows[0]!).toBe(false)
  })

  it('returns nothing when no limit applies', () => {
    expect(
      applicableWindows(limits, { created_by: 'bot-1', action_type: 'legal' }, 0, 'UTC'),
    ).toEqual([])
    expect(applicableWindows([], { created_by: 'x', action_type: 'purchase' }, 0, 'UTC')).toEqual(
      [],
    )
  })
})
