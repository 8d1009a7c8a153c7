import { WardenError } from '../../errors.js'
import type { NewWebhook, Store, Webhook } from '../../store/store.js'
import { newId, newToken } from '../../store/ids.js'
import type { SecretBox } from '../secret-box.js'
import { WEBHOOK_EVENTS } from './webhook-payload.js'

/** What a global webhook's sealed secret is bound to, so it opens for no other row. */
export function webhookSecretAad(webhookId: string): string {
  return `webhook:${webhookId}`
}

/** Only http(s) targets are delivered to; anything else is refused up front. */
export function checkWebhookUrl(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `"${url}" is not a URL`
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `"${url}" is not an http(s) URL`
  }
  if (parsed.username || parsed.password) return 'a webhook URL must not carry credentials'
  return null
}

/**
 * Registers a global webhook with a new random secret, stored sealed by `box`. The secret
 * is returned once, for the admin to give the receiver. `events` empty means every event.
 */
export async function createWebhook(
  store: Store,
  box: SecretBox,
  input: { url: string; events: readonly string[] },
  now: number,
): Promise<{ webhook: Webhook; secret: string }> {
  const problem = checkWebhookUrl(input.url)
  if (problem) throw new WardenError('ERR_WEBHOOK_INVALID', problem)
  const unknown = input.events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e))
  if (unknown.length > 0) {
    throw new WardenError(
      'ERR_WEBHOOK_INVALID',
      `unknown event ${unknown.map((e) => `"${e}"`).join(', ')}; known: ${WEBHOOK_EVENTS.join(', ')}`,
    )
  }
  const id = newId('whk')
  const secret = `whsec_${newToken()}`
  // The id is chosen here because the sealed secret is bound to it (aad webhook:<id>).
  const record: NewWebhook & { id: string } = {
    id,
    url: input.url,
    encrypted_secret: box.seal(secret, webhookSecretAad(id)),
    events: [...new Set(input.events)],
    now,
  }
  const webhook = await store.putWebhook(record)
  if (webhook.id !== id) {
    await store.deleteWebhook(webhook.id)
    throw new WardenError(
      'ERR_INTERNAL',
      'the store did not keep the webhook id its secret is bound to',
    )
  }
  return { webhook, secret }
}
