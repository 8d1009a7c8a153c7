import type { JsonValue } from '../../../src/approval/approval-request.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import { newId } from '../../../src/store/ids.js'
import type {
  ApproveInput,
  NewApprovalRequest,
  SpendingWindow,
  Store,
  TransitionOutcome,
} from '../../../src/store/store.js'

/** A fixed clock: every test passes `now` explicitly. */
export const T0 = Date.UTC(2030, 0, 15, 12, 0, 0)
export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export function iso(ms: number): string {
  return new Date(ms).toISOString()
}

export const PARAMETERS: JsonValue = {
  recipient: 'acme-supplies',
  amount: 20,
  items: [{ sku: 'A-1', qty: 2 }, null, true, 'ünïcødé ✓'],
  zeta: { b: 1.5, a: -3 },
}

export function newRequest(overrides: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  const parameters = overrides.parameters ?? PARAMETERS
  return {
    id: newId('apr'),
    created_by: 'agent-1',
    action_type: 'purchase',
    title: 'Buy printer paper',
    risk_level: 'medium',
    parameters,
    content_hash: canonicalDigest(parameters),
    created_at: iso(T0),
    expires_at: iso(T0 + 5 * MINUTE),
    ...overrides,
  }
}

export function approval(id: string, overrides: Partial<ApproveInput> = {}): ApproveInput {
  return {
    id,
    now: T0 + MINUTE,
    resolved_by: 'apv_alice',
    method: 'totp',
    evidence: { method: 'totp', time_step: 63_000_000 },
    spending: [],
    ...overrides,
  }
}

export function spendingWindow(
  limit: number,
  overrides: Partial<SpendingWindow> = {},
): SpendingWindow {
  return {
    limit_id: 'lim_test',
    agent: 'agent-1',
    action_type: 'purchase',
    period: 'daily',
    limit,
    start: T0 - HOUR,
    end: T0 + DAY,
    ...overrides,
  }
}

/** Creates and approves a request; the approval must succeed. */
export async function approvedRequest(
  store: Store,
  overrides: Partial<NewApprovalRequest> = {},
  input: Partial<ApproveInput> = {},
): Promise<string> {
  const request = await store.createRequest(newRequest(overrides))
  const outcome = await store.approveRequest(approval(request.id, input))
  if (!outcome.ok) throw new Error(`approval refused: ${outcome.reason}`)
  return request.id
}

export function reasons(outcomes: readonly TransitionOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) {
    const key = outcome.ok ? 'ok' : outcome.reason
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** Resolves with the first id the store announces that satisfies `wanted`. */
export function nextChange(
  store: Store,
  wanted: (id: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error('no change was announced'))
    }, timeoutMs)
    const unsubscribe = store.onRequestChanged((id) => {
      if (!wanted(id)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(id)
    })
  })
}
