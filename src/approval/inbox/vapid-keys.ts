import webpush from 'web-push'
import { WardenError } from '../../errors.js'
import type { Store } from '../../store/store.js'
import type { SecretBox } from '../secret-box.js'

export interface VapidKeys {
  /** base64url uncompressed P-256 point: what the browser's pushManager.subscribe takes. */
  publicKey: string
  privateKey: string
}

const SETTING = 'vapid'
const AAD = 'vapid'

/**
 * The service's VAPID key pair, generated once. Both halves live in one setting, so two
 * instances racing to create it agree on one pair; the private half is sealed by the box.
 */
export async function loadVapidKeys(store: Store, box: SecretBox): Promise<VapidKeys> {
  let stored = await store.getSetting(SETTING)
  if (stored === undefined) {
    const fresh = webpush.generateVAPIDKeys()
    stored = await store.putSettingIfAbsent(
      SETTING,
      JSON.stringify({
        public_key: fresh.publicKey,
        encrypted_private_key: box.seal(fresh.privateKey, AAD),
      }),
    )
  }
  let parsed: { public_key?: unknown; encrypted_private_key?: unknown }
  try {
    parsed = JSON.parse(stored) as typeof parsed
  } catch (error) {
    throw new WardenError('ERR_SECRET_UNREADABLE', 'the stored VAPID keys are not JSON', {
      cause: error,
    })
  }
  if (typeof parsed.public_key !== 'string' || typeof parsed.encrypted_private_key !== 'string') {
    throw new WardenError('ERR_SECRET_UNREADABLE', 'the stored VAPID keys are incomplete')
  }
  return { publicKey: parsed.public_key, privateKey: box.open(parsed.encrypted_private_key, AAD) }
}
