import type { Store } from '../../store/store.js'
import type { SecretBox } from '../secret-box.js'
import type { RelyingParty } from '../passkey/relying-party.js'
import type { ApprovalRules } from '../rules/approval-rules.js'
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js'
import type { ApprovalRequest } from '../approval-request.js'

/** Sends a new pending request to approvers' devices; never throws. */
export interface PushNotifier {
  vapidPublicKey(): Promise<string>
  notify(request: ApprovalRequest): Promise<void>
}

/** What every part of the service shares. Built once by createApprovalService. */
export interface ServiceContext {
  store: Store
  box: SecretBox
  rp: RelyingParty
  /** Where approvers reach the inbox, without a trailing slash. */
  publicUrl: string
  rules: ApprovalRules
  /** IANA zone for daily/weekly/monthly spending windows. */
  timeZone: string
  defaultExpirySeconds: number
  now: () => number
  webhooks?: WebhookDispatcher
  push?: PushNotifier
  /** Why an agent's callback_url is refused (private targets), or undefined; none = any URL. */
  checkCallback?: (url: string) => Promise<string | undefined>
  /** Where fire-and-forget side effects (webhooks, push) report failures. */
  onSideEffectError: (error: unknown) => void
}
