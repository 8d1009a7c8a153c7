import type { Store } from '../../store/store.js'

/** Fixed window for counting wrong TOTP codes, and how many it tolerates. */
export const TOTP_WINDOW_MS = 5 * 60_000
export const TOTP_MAX_FAILURES = 5

function windowStart(now: number): number {
  return Math.floor(now / TOTP_WINDOW_MS) * TOTP_WINDOW_MS
}

/** Seconds until the current window ends: the Retry-After for ERR_RATE_LIMITED. */
export function totpRetryAfterSeconds(now: number): number {
  return Math.ceil((windowStart(now) + TOTP_WINDOW_MS - now) / 1000)
}

// The store can only count-and-read, so three counters per window: every attempt, wrong
// codes, right codes. A right code then reads the failures as attempts − right codes
// without adding a failure of its own.

/** Records a wrong code; returns the failures in the window including this one. */
export async function recordTotpFailure(
  store: Store,
  approverId: string,
  now: number,
): Promise<number> {
  const start = windowStart(now)
  await store.countAttempt(`totp:${approverId}`, start)
  return store.countAttempt(`totp-failed:${approverId}`, start)
}

/** Records a right code; returns the failures already in the window. */
export async function recordTotpSuccess(
  store: Store,
  approverId: string,
  now: number,
): Promise<number> {
  const start = windowStart(now)
  const attempts = await store.countAttempt(`totp:${approverId}`, start)
  const successes = await store.countAttempt(`totp-ok:${approverId}`, start)
  return attempts - successes
}
