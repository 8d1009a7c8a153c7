import { openCallbackSecret } from '../webhooks/callback-secret.js'
import { createPushNotifier } from '../inbox/push-notifier.js'
import { relyingPartyFrom } from '../passkey/relying-party.js'
import type { ApprovalRules } from '../rules/approval-rules.js'
import { loadApprovalRules } from '../rules/load-approval-rules.js'
import { createSecretBox, loadSecretKey } from '../secret-box.js'
import { createApprovalService, type ApprovalService } from '../service/approval-service.js'
import { createWebhookDispatcher } from '../webhooks/webhook-dispatcher.js'
import type { Store } from '../../store/store.js'

export interface BuiltinServiceOptions {
  store: Store
  /** Where approvers reach `warden serve` (approval URLs, the passkey origin). */
  publicUrl: string
  /** The key `warden serve` seals secrets with, unless env WARDEN_SECRET_KEY is set. */
  secretKeyFile: string
  rules?: string | string[] | ApprovalRules
  timeZone?: string
  env?: NodeJS.ProcessEnv
  onSideEffectError?: (error: unknown) => void
}

/**
 * The approval service inside a proxy, over the store `warden serve` uses: requests it creates
 * queue the same webhooks and push notifications. Its timers (expiry sweep, webhook retries)
 * are left to `warden serve`, which runs them anyway.
 */
export async function openBuiltinApprovalService(
  options: BuiltinServiceOptions,
): Promise<ApprovalService> {
  const { store, publicUrl } = options
  const box = createSecretBox(
    await loadSecretKey({
      envVar: 'WARDEN_SECRET_KEY',
      file: options.secretKeyFile,
      ...(options.env ? { env: options.env } : {}),
    }),
  )
  const onError = options.onSideEffectError
  const rules =
    typeof options.rules === 'string' || Array.isArray(options.rules)
      ? await loadApprovalRules(options.rules)
      : options.rules
  return createApprovalService({
    store,
    box,
    rp: relyingPartyFrom(publicUrl),
    publicUrl,
    ...(rules ? { rules } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    push: createPushNotifier({ store, box, subject: publicUrl, ...(onError ? { onError } : {}) }),
    webhooks: createWebhookDispatcher({
      store,
      box,
      callbackSecret: await openCallbackSecret(store, box),
      publicUrl,
      ...(onError ? { onError } : {}),
    }),
    ...(onError ? { onSideEffectError: onError } : {}),
  })
}
