import type { ClaimInput, SpendingWindow, TransitionOutcome, TransitionRefusal } from '../store.js'

/** The columns a transition decides on. */
export interface TransitionFacts {
  status: string
  expires_at: number | string
  content_hash: string
  created_by: string
  policy_version: string | null
}

/**
 * Why a pending → resolved transition cannot happen at `now`, or undefined if it can.
 * `expire` means the request is still pending but due: the caller persists the expiry.
 */
export function resolveRefusal(
  row: TransitionFacts | undefined,
  now: number,
  expectedHash?: string,
): TransitionRefusal | 'expire' | undefined {
  if (row === undefined) return 'not_found'
  if (row.status === 'pending' && Number(row.expires_at) <= now) return 'expire'
  if (row.status === 'expired') return 'expired'
  if (row.status !== 'pending') return 'already_resolved'
  if (expectedHash !== undefined && expectedHash !== row.content_hash) return 'hash_mismatch'
  return undefined
}

/** Why approved → executed did not happen for this claim (the UPDATE matched nothing). */
export function claimRefusal(
  row: TransitionFacts | undefined,
  claim: ClaimInput,
): TransitionRefusal {
  if (row === undefined) return 'not_found'
  if (claim.created_by !== undefined && claim.created_by !== row.created_by) return 'mismatch'
  if (row.status === 'executed') return 'already_executed'
  if (row.status !== 'approved') return 'not_approved'
  if (claim.content_hash !== row.content_hash) return 'hash_mismatch'
  return 'mismatch'
}

// Sums of doubles drift (0.1 + 0.2 > 0.3); a billionth of a unit is not spending.
const TOLERANCE = 1e-9

/** The first window in which `amount` does not fit, with the figures a refusal reports. */
export function firstOverLimit(
  windows: readonly SpendingWindow[],
  spent: readonly number[],
  amount: number,
): Extract<TransitionOutcome, { ok: false }>['over_limit'] {
  for (const [index, window] of windows.entries()) {
    const used = spent[index] ?? 0
    if (used + amount - window.limit > TOLERANCE) {
      return { window, spent: used, amount, remaining: Math.max(0, window.limit - used) }
    }
  }
  return undefined
}

/** Advisory-lock and summing order for a set of windows: each limit once, sorted. */
export function limitIds(windows: readonly SpendingWindow[]): string[] {
  return [...new Set(windows.map((window) => window.limit_id))].sort()
}

/** How long spent tokens and old rate-limit windows are kept before a write sweeps them. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000

const DEFAULT_LIST_LIMIT = 50
const MAX_LIST_LIMIT = 500

/** A list's row limit: default 50, at most 500. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)))
}
