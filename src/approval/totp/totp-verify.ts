import { WardenError } from '../../errors.js'
import type { Approver, Store } from '../../store/store.js'
import type { SecretBox } from '../secret-box.js'
import { checkTotpCode } from './check-totp-code.js'
import { totpSecretAad } from './totp-setup.js'

/**
 * Verifies an enrolled approver's TOTP code: ERR_TOTP_INVALID, ERR_TOTP_REPLAYED (step already
 * used), ERR_RATE_LIMITED (5 wrong codes in 5 minutes), ERR_TOTP_NOT_ENROLLED.
 */
export async function verifyTotpCode(
  store: Store,
  box: SecretBox,
  approver: Approver,
  code: string,
  now: number,
): Promise<{ time_step: number }> {
  // Read fresh: the caller's copy may predate a setup or a reset.
  const totp = (await store.getApprover(approver.id))?.totp
  if (!totp?.enabled) {
    throw new WardenError('ERR_TOTP_NOT_ENROLLED', `${approver.name} has no TOTP authenticator`)
  }
  const secret = box.open(totp.encrypted_secret, totpSecretAad(approver.id))
  return { time_step: await checkTotpCode(store, approver.id, secret, code, now) }
}
