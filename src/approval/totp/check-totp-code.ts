import { verify } from 'otplib'
import { WardenError } from '../../errors.js'
import type { Store } from '../../store/store.js'
import {
  recordTotpFailure,
  recordTotpSuccess,
  TOTP_MAX_FAILURES,
  totpRetryAfterSeconds,
} from './totp-rate-limit.js'

/**
 * Checks a 6-digit code (SHA-1, 30 s steps, ±1 step) against a clear secret, rate limited per
 * approver, and marks its time step used so it never works twice. Returns the time step.
 */
export async function checkTotpCode(
  store: Store,
  approverId: string,
  secret: string,
  code: string,
  now: number,
): Promise<number> {
  const timeStep = await matchingTimeStep(secret, code, now)
  if (timeStep === undefined) {
    const failures = await recordTotpFailure(store, approverId, now)
    if (failures > TOTP_MAX_FAILURES) throw rateLimited(now)
    throw new WardenError('ERR_TOTP_INVALID', 'the code is not valid')
  }
  // Refused even with the right code once limited, or guessing would go on past the limit.
  if ((await recordTotpSuccess(store, approverId, now)) >= TOTP_MAX_FAILURES) {
    throw rateLimited(now)
  }
  if (!(await store.useTotpStep(approverId, timeStep))) {
    throw new WardenError('ERR_TOTP_REPLAYED', 'this code (or a later one) was already used')
  }
  return timeStep
}

async function matchingTimeStep(
  secret: string,
  code: string,
  now: number,
): Promise<number | undefined> {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return undefined
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now / 1000),
    epochTolerance: 30,
  })
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}

function rateLimited(now: number): WardenError {
  return new WardenError(
    'ERR_RATE_LIMITED',
    `too many wrong codes; try again in ${totpRetryAfterSeconds(now)} s`,
  )
}
