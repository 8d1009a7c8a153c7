import { generateSecret, generateURI } from 'otplib'
import QRCode from 'qrcode'
import { WardenError } from '../../errors.js'
import type { Approver, Store } from '../../store/store.js'
import type { SecretBox } from '../secret-box.js'
import { checkTotpCode } from './check-totp-code.js'

/** The SecretBox purpose a TOTP secret is sealed under: it opens only for this approver. */
export function totpSecretAad(approverId: string): string {
  return `totp:${approverId}`
}

/**
 * Creates a new TOTP secret for the approver, stored encrypted and not yet enabled, and returns
 * what an authenticator app needs: the secret, the otpauth URI and QR codes (SVG, terminal).
 */
export async function startTotpSetup(
  store: Store,
  box: SecretBox,
  approver: Approver,
  issuer: string,
): Promise<{ secret: string; provisioning_uri: string; qr_svg: string; qr_terminal: string }> {
  const secret = generateSecret()
  const provisioningUri = generateURI({ issuer, label: approver.name, secret })
  await store.setTotp(approver.id, {
    encrypted_secret: box.seal(secret, totpSecretAad(approver.id)),
    enabled: false,
  })
  const [qrSvg, qrTerminal] = await Promise.all([
    QRCode.toString(provisioningUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    QRCode.toString(provisioningUri, { type: 'terminal', small: true }),
  ])
  return { secret, provisioning_uri: provisioningUri, qr_svg: qrSvg, qr_terminal: qrTerminal }
}

/** Enables the pending TOTP secret once the approver shows a code made from it. */
export async function confirmTotpSetup(
  store: Store,
  box: SecretBox,
  approver: Approver,
  code: string,
  now: number,
): Promise<void> {
  const totp = (await store.getApprover(approver.id))?.totp
  if (!totp) throw new WardenError('ERR_TOTP_NOT_ENROLLED', 'TOTP setup was not started')
  const secret = box.open(totp.encrypted_secret, totpSecretAad(approver.id))
  await checkTotpCode(store, approver.id, secret, code, now)
  await store.setTotp(approver.id, { encrypted_secret: totp.encrypted_secret, enabled: true })
}
