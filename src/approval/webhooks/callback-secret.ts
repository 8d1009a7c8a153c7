import type { Store } from '../../store/store.js'
import { newToken } from '../../store/ids.js'
import type { SecretBox } from '../secret-box.js'

/** The setting holding the sealed secret that signs every request's callback_url deliveries. */
export const CALLBACK_SECRET_SETTING = 'webhook_callback_secret'

/** The callback signing secret: made once, kept sealed in the store, shared by every instance. */
export async function openCallbackSecret(store: Store, box: SecretBox): Promise<string> {
  const sealed = await store.putSettingIfAbsent(
    CALLBACK_SECRET_SETTING,
    box.seal(`whsec_${newToken()}`, CALLBACK_SECRET_SETTING),
  )
  return box.open(sealed, CALLBACK_SECRET_SETTING)
}
