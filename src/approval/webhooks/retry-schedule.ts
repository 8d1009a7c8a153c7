/**
 * Waits before each retry: attempt 1 at once, then 10 s, 30 s, 2 min, 10 min and 1 h after
 * the previous failure. Six attempts in all, over about 73 minutes.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  10_000, 30_000, 120_000, 600_000, 3_600_000,
]
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1

/** When to try again after failed attempt number `attempts` (1-based); undefined: give up. */
export function nextAttemptAt(attempts: number, now: number): number | undefined {
  const delay = WEBHOOK_RETRY_DELAYS_MS[attempts - 1]
  return delay === undefined ? undefined : now + delay
}
