import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import type { ActionType, ApprovalRequest } from '../../../src/approval/approval-request.js'
import { spendingSummary } from '../../../src/approval/spending/spending-summary.js'
import { applicableWindows } from '../../../src/approval/spending/spending-windows.js'
import { newId } from '../../../src/store/ids.js'
import { openStore } from '../../../src/store/open-store.js'
import type { Store, TransitionOutcome } from '../../../src/store/store.js'

const ZONE = 'Europe/Berlin'
const T0 = Date.parse('2025-06-18T10:00:00.000Z')

let dir: string
let store: Store
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-spending-'))
  store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
})
afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function approved(
  created_by: string,
  amount: number,
  action_type: ActionType = 'purchase',
): Promise<TransitionOutcome> {
  const parameters = { created_by, amount, nonce: newId('n') }
  const request: ApprovalRequest = await store.createRequest({
    id: newId('apr'),
    created_by,
    action_type,
    title: `spend ${amount}`,
    risk_level: 'medium',
    amount,
    parameters,
    content_hash: canonicalDigest(parameters),
    created_at: new Date(T0).toISOString(),
    expires_at: new Date(T0 + 300_000).toISOString(),
  })
  return store.approveRequest({
    id: request.id,
    now: T0 + 1_000,
    resolved_by: 'apv_alice',
    method: 'totp',
    evidence: { method: 'totp', time_step: 1 },
    spending: applicableWindows(await store.listSpendingLimits(), request, T0 + 1_000, ZONE),
  })
}

async function executed(outcome: TransitionOutcome, result: 'succeeded' | 'failed') {
  if (!outcome.ok) throw new Error(`not approved: ${outcome.reason}`)
  const { request } = outcome
  const claim = await store.claimExecution({
    id: request.id,
    now: T0 + 2_000,
    content_hash: request.content_hash,
  })
  expect(claim.ok).toBe(true)
  await store.recordExecutionResult(request.id, result, T0 + 3_000)
}

describe('spendingSummary', () => {
  it('reports limit, spent, remaining and utilization for the agent’s and global limits', async () => {
    const limits = {
      global: await store.putSpendingLimit({
        action_type: 'purchase',
        period: 'daily',
        limit: 100,
        currency: 'EUR',
        now: T0,
      }),
      own: await store.putSpendingLimit({
        agent: 'bot-1',
        action_type: 'purchase',
        period: 'weekly',
        limit: 300,
        now: T0,
      }),
      social: await store.putSpendingLimit({
        action_type: 'social',
        period: 'monthly',
        limit: 10,
        now: T0,
      }),
    }
    await store.putSpendingLimit({
      agent: 'bot-2',
      action_type: 'purchase',
      period: 'daily',
      limit: 50,
      now: T0,
    })

    expect((await approved('bot-1', 30)).ok).toBe(true)
    await executed(await approved('bot-2', 20), 'succeeded')
    await executed(await approved('bot-1', 40), 'failed')

    const over = await approved('bot-1', 60)
    expect(over).toMatchObject({
      ok: false,
      reason: 'over_limit',
      over_limit: { spent: 50, amount: 60, remaining: 50 },
    })

    expect(await spendingSummary(store, 'bot-1', T0 + 5_000, ZONE)).toEqual([
      {
        limit_id: limits.global.id,
        action_type: 'purchase',
        period: 'daily',
        limit: 100,
        currency: 'EUR',
        spent: 50,
        remaining: 50,
        utilization_pct: 50,
        window_start: '2025-06-17T22:00:00.000Z',
        window_end: '2025-06-18T22:00:00.000Z',
      },
      {
        limit_id: limits.own.id,
        agent: 'bot-1',
        action_type: 'purchase',
        period: 'weekly',
        limit: 300,
        spent: 30,
        remaining: 270,
        utilization_pct: 10,
        window_start: '2025-06-15T22:00:00.000Z',
        window_end: '2025-06-22T22:00:00.000Z',
      },
      {
        limit_id: limits.social.id,
        action_type: 'social',
        period: 'monthly',
        limit: 10,
        spent: 0,
        remaining: 10,
        utilization_pct: 0,
        window_start: '2025-05-31T22:00:00.000Z',
        window_end: '2025-06-30T22:00:00.000Z',
      },
    ])

    const tomorrow = await spendingSummary(store, 'bot-1', T0 + 86_400_000, ZONE)
    expect(tomorrow.map((item) => [item.period, item.spent])).toEqual([
      ['daily', 0],
      ['weekly', 30],
      ['monthly', 0],
    ])
  })

  it('sums decimal amounts without floating-point noise and rounds the percentage', async () => {
    await store.putSpendingLimit({ action_type: 'purchase', period: 'daily', limit: 3, now: T0 })
    expect((await approved('bot-1', 0.1)).ok).toBe(true)
    expect((await approved('bot-1', 0.2)).ok).toBe(true)
    const [item] = await spendingSummary(store, 'bot-1', T0 + 5_000, ZONE)
    expect(item).toMatchObject({ spent: 0.3, remaining: 2.7, utilization_pct: 10 })
  })

  it('is empty when no limit applies to the agent', async () => {
    await store.putSpendingLimit({
      agent: 'bot-2',
      action_type: 'purchase',
      period: 'daily',
      limit: 50,
      now: T0,
    })
    expect(await spendingSummary(store, 'bot-1', T0, ZONE)).toEqual([])
  })
})
