import type {
  ActionType,
  ApprovalEvidence,
  ApprovalRequest,
  ApprovalStatus,
  ResolutionMethod,
} from '../approval/approval-request.js'
import type { ApiKeyRecord, ApiKeyStore } from '../identity/api-key.js'

/** The id a change listener gets when it is known that something changed, but not which request. */
export const ANY_REQUEST = '*'

/**
 * Everything the approval service keeps. Two implementations (SQLite, PostgreSQL) pass one
 * contract suite (test/store/contract.ts). Every state transition is one atomic statement
 * or transaction: callers never read-then-write. Times are passed in as `now` (epoch ms)
 * so tests control the clock; stored times come back as ISO 8601 UTC strings.
 */
export interface Store extends ApiKeyStore {
  /** Which implementation, for messages: `sqlite:/path` or `postgres://host/db` (no password). */
  readonly location: string

  // ── approval requests ────────────────────────────────────────────────────────────
  /** Inserts a pending request and its `requested` event. */
  createRequest(request: NewApprovalRequest): Promise<ApprovalRequest>
  /**
   * The request, or undefined. A pending request whose expires_at ≤ now is returned (and
   * persisted) as expired, with its `expired` event and any reservation released.
   */
  getRequest(id: string, now: number): Promise<ApprovalRequest | undefined>
  /** Newest first. Expires due requests first, as getRequest does. */
  listRequests(filter: RequestFilter, now: number): Promise<ApprovalRequest[]>
  /**
   * pending → approved, only if still pending and now < expires_at, and only if every
   * spending check still has room (sum of reserved + booked ledger entries in the window
   * plus this amount ≤ limit); then reserves the amount under each check. One transaction.
   */
  approveRequest(input: ApproveInput): Promise<TransitionOutcome>
  /** pending → denied, only if still pending and now < expires_at (else `expired` / `already_resolved`). */
  denyRequest(input: DenyInput): Promise<TransitionOutcome>
  /** pending → expired for every request due at `now`; releases reservations. Returns ids. */
  expireDue(now: number): Promise<string[]>
  /** pending → denied by the creator withdrawing it (reason `withdrawn`); another creator's request is `not_found`. */
  withdrawRequest(id: string, createdBy: string, now: number): Promise<TransitionOutcome>
  /**
   * approved → executed in one atomic UPDATE … WHERE status = 'approved' AND
   * content_hash = expected (and created_by / policy_version when given). Books the
   * reservation. Exactly one of any number of concurrent callers gets `ok: true`. A given
   * policy_version never matches a request stored without one (`mismatch`).
   */
  claimExecution(input: ClaimInput): Promise<TransitionOutcome>
  /** Records how the execution went; `failed` releases the booked amount. The first result stays. */
  recordExecutionResult(
    id: string,
    result: 'succeeded' | 'failed',
    now: number,
  ): Promise<ApprovalRequest | undefined>
  /**
   * Calls `listener(id)` after a request is created, changes status or gets its execution
   * result, on this process or (PostgreSQL,
   * LISTEN/NOTIFY) any process sharing the store. SQLite learns of other processes' commits
   * from `PRAGMA data_version` (checked every 100 ms while someone listens) and then calls
   * `listener(ANY_REQUEST)`: re-read what you wait for. Returns an unsubscribe function.
   */
  onRequestChanged(listener: (id: string) => void): () => void
  /** The request's event history, oldest first. */
  listEvents(requestId: string): Promise<ApprovalEvent[]>

  // ── approvers ────────────────────────────────────────────────────────────────────
  createApprover(approver: NewApprover): Promise<Approver>
  /** An approver who can still act; a removed one is undefined, as an unknown one is. */
  getApprover(id: string): Promise<Approver | undefined>
  /** An approver who can still act, by name; a removed one is undefined. */
  getApproverByName(name: string): Promise<Approver | undefined>
  /** Every approver, removed ones included (with `removed_at`). */
  listApprovers(): Promise<Approver[]>
  /**
   * Removes an approver from service, in one transaction: sets `removed_at`, drops the TOTP
   * secret, deletes their sessions, enrolment links and challenges and their push
   * subscriptions. The row and passkeys stay, so approvals they gave can still be verified.
   * False when there is no such approver or they were removed already.
   */
  removeApprover(id: string, now: number): Promise<boolean>
  /** Sets (or clears, with undefined) the encrypted TOTP secret; `enabled` once verified. */
  setTotp(approverId: string, totp: TotpSecret | undefined): Promise<void>
  /**
   * Marks TOTP time step `step` used for this approver; true only if no step ≥ `step`
   * was used before (each step usable once, never an older one). Atomic.
   */
  useTotpStep(approverId: string, step: number): Promise<boolean>

  addPasskey(credential: PasskeyCredential): Promise<void>
  getPasskey(credentialId: string): Promise<PasskeyCredential | undefined>
  listPasskeys(approverId: string): Promise<PasskeyCredential[]>
  /** Compare-and-set of the signature counter; false if it was not `expected`. */
  updatePasskeyCounter(credentialId: string, expected: number, next: number): Promise<boolean>

  // ── one-time tokens: WebAuthn challenges, enrolment links, inbox sessions ────────
  putToken(token: OneTimeToken): Promise<void>
  /**
   * Returns the token and marks it used, if it exists, has this purpose, is unused and
   * now < expires_at; else undefined. Atomic: one caller wins.
   */
  consumeToken(hash: string, purpose: TokenPurpose, now: number): Promise<OneTimeToken | undefined>
  /** Reads a token without consuming it (sessions are checked on every request). */
  peekToken(hash: string, purpose: TokenPurpose, now: number): Promise<OneTimeToken | undefined>
  deleteToken(hash: string): Promise<void>

  // ── rate limits ──────────────────────────────────────────────────────────────────
  /**
   * Counts one attempt for `key` in the fixed window starting at `windowStart` (ms);
   * returns the count including this one. Atomic (several instances share it).
   */
  countAttempt(key: string, windowStart: number): Promise<number>

  // ── agent API keys (hashes only; `lookup` comes from ApiKeyStore) ────────────────
  putApiKey(record: ApiKeyRecord & { name?: string }): Promise<void>
  listApiKeys(): Promise<(ApiKeyRecord & { name?: string })[]>
  /** Sets revoked_at on the key whose prefix matches; false if none. */
  revokeApiKey(prefix: string, now: number): Promise<boolean>

  // ── spending ─────────────────────────────────────────────────────────────────────
  putSpendingLimit(limit: NewSpendingLimit): Promise<SpendingLimit>
  listSpendingLimits(): Promise<SpendingLimit[]>
  deleteSpendingLimit(id: string): Promise<boolean>
  /** Sum of reserved + booked amounts matching the check's agent/type in [start, end). */
  spentInWindow(window: SpendingWindow): Promise<number>

  // ── webhooks ─────────────────────────────────────────────────────────────────────
  putWebhook(webhook: NewWebhook): Promise<Webhook>
  listWebhooks(): Promise<Webhook[]>
  deleteWebhook(id: string): Promise<boolean>
  addDelivery(delivery: NewDelivery): Promise<WebhookDelivery>
  /**
   * Claims up to `limit` deliveries with status pending and next_attempt_at ≤ now, oldest
   * first: in one atomic step their next_attempt_at moves to `leaseUntil`, so another process
   * (another `warden serve` on the same database) does not send them meanwhile. The claimer
   * records the outcome with updateDelivery; if it dies first, the delivery is due again once
   * the lease ends.
   */
  claimDueDeliveries(now: number, limit: number, leaseUntil: number): Promise<WebhookDelivery[]>
  updateDelivery(id: string, update: DeliveryUpdate): Promise<void>
  listDeliveries(filter: { request_id?: string; limit?: number }): Promise<WebhookDelivery[]>

  // ── web push subscriptions ───────────────────────────────────────────────────────
  putPushSubscription(subscription: PushSubscriptionRecord): Promise<void>
  listPushSubscriptions(approverId?: string): Promise<PushSubscriptionRecord[]>
  deletePushSubscription(endpoint: string): Promise<void>

  // ── vault credentials (secrets sealed by the vault's own key; never in the clear) ──
  putCredential(credential: VaultCredential): Promise<void>
  getCredential(name: string): Promise<VaultCredential | undefined>
  listCredentials(): Promise<VaultCredential[]>
  deleteCredential(name: string): Promise<boolean>
  /** Replaces every credential's sealed secret in one transaction (key rotation). */
  resealCredentials(sealed: { name: string; encrypted_secret: string }[]): Promise<void>

  // ── settings (VAPID keys, schema facts) ─────────────────────────────────────────
  getSetting(key: string): Promise<string | undefined>
  /** Sets the value only if the key is absent; returns the value now stored. */
  putSettingIfAbsent(key: string, value: string): Promise<string>

  close(): Promise<void>
}

export type NewApprovalRequest = Omit<
  ApprovalRequest,
  | 'status'
  | 'resolved_at'
  | 'resolved_by'
  | 'method'
  | 'evidence'
  | 'deny_reason'
  | 'executed_at'
  | 'execution_result'
>

export interface RequestFilter {
  status?: ApprovalStatus
  action_type?: ActionType
  created_by?: string
  /** Default 50, at most 500. */
  limit?: number
}

export interface ApproveInput {
  id: string
  now: number
  /** Approver id, or `rule:NAME`. */
  resolved_by: string
  method: ResolutionMethod
  evidence: ApprovalEvidence
  /** When set, the request's content_hash must equal it (the proof covered this hash). */
  expected_content_hash?: string
  /** Limits that apply to this request's amount, with their current windows. */
  spending: SpendingWindow[]
}

export interface DenyInput {
  id: string
  now: number
  resolved_by: string
  method: ResolutionMethod
  evidence: ApprovalEvidence
  expected_content_hash?: string
  reason?: string
}

export interface ClaimInput {
  id: string
  now: number
  content_hash: string
  created_by?: string
  policy_version?: string
}

/** Why a transition did not happen. */
export type TransitionRefusal =
  | 'not_found'
  | 'already_resolved'
  | 'expired'
  | 'hash_mismatch'
  | 'over_limit'
  | 'not_approved'
  | 'already_executed'
  | 'mismatch'

export type TransitionOutcome =
  | { ok: true; request: ApprovalRequest }
  | {
      ok: false
      reason: TransitionRefusal
      request?: ApprovalRequest
      /** With `over_limit`: the first limit that had no room. */
      over_limit?: { window: SpendingWindow; spent: number; amount: number; remaining: number }
    }

export interface ApprovalEvent {
  request_id: string
  event:
    | 'requested'
    | 'approved'
    | 'denied'
    | 'expired'
    | 'withdrawn'
    | 'executed'
    | 'execution_succeeded'
    | 'execution_failed'
  at: string
  actor?: string
  method?: ResolutionMethod
  detail?: Record<string, unknown>
}

export interface Approver {
  /** `apv_` + random. */
  id: string
  /** Unique, human-chosen ("alice"). */
  name: string
  role: 'admin' | 'approver'
  created_at: string
  totp?: TotpSecret
  /** Set once an admin removed the approver: they can no longer sign in or approve. */
  removed_at?: string
}

export type NewApprover = Omit<Approver, 'created_at' | 'totp' | 'removed_at'> & { now: number }

/** A TOTP secret as stored: encrypted by the service's SecretBox, never in the clear. */
export interface TotpSecret {
  encrypted_secret: string
  enabled: boolean
}

export interface PasskeyCredential {
  /** base64url credential id. */
  id: string
  approver_id: string
  /** base64url COSE public key. */
  public_key: string
  counter: number
  transports?: string[]
  /** Whether the authenticator reported user verification at registration. */
  user_verified: boolean
  created_at: string
  label?: string
}

export type TokenPurpose =
  'webauthn-register' | 'webauthn-login' | 'webauthn-approve' | 'enrolment' | 'session'

/** A random secret handed out once; the store keeps only its SHA-256 hash. */
export interface OneTimeToken {
  /** Hex SHA-256 of the token (or nonce) value. */
  hash: string
  purpose: TokenPurpose
  approver_id?: string
  request_id?: string
  /** For approval challenges: the hash the challenge commits to. */
  content_hash?: string
  /** Free-form JSON the issuer needs back (e.g. the decision approve|deny). */
  data?: Record<string, unknown>
  expires_at: string
  created_at: string
}

export interface SpendingLimit {
  /** `lim_` + random. */
  id: string
  /** The agent (created_by) it applies to; undefined means every agent together. */
  agent?: string
  action_type: ActionType
  period: 'daily' | 'weekly' | 'monthly'
  limit: number
  currency?: string
  created_at: string
}

export type NewSpendingLimit = Omit<SpendingLimit, 'id' | 'created_at'> & { now: number }

/** A limit with the calendar window it currently covers. */
export interface SpendingWindow {
  limit_id: string
  agent?: string
  action_type: ActionType
  period: SpendingLimit['period']
  limit: number
  /** Epoch ms, inclusive. */
  start: number
  /** Epoch ms, exclusive. */
  end: number
}

export interface Webhook {
  /** `whk_` + random. */
  id: string
  url: string
  /** Encrypted HMAC secret. */
  encrypted_secret: string
  /** Event names it receives; empty means all. */
  events: string[]
  created_at: string
}

/** `id` may be chosen by the caller (the secret is sealed against it before the insert). */
export type NewWebhook = Omit<Webhook, 'id' | 'created_at'> & { id?: string; now: number }

export interface WebhookDelivery {
  /** `dlv_` + random. */
  id: string
  /** Undefined for a request's own callback_url. */
  webhook_id?: string
  request_id: string
  url: string
  event: string
  /** The exact body sent (and signed) on every attempt. */
  body: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  next_attempt_at: string
  last_status?: number
  last_error?: string
  created_at: string
  delivered_at?: string
}

export type NewDelivery = Omit<
  WebhookDelivery,
  | 'id'
  | 'status'
  | 'attempts'
  | 'created_at'
  | 'delivered_at'
  | 'last_status'
  | 'last_error'
  | 'next_attempt_at'
> & {
  now: number
}

export interface DeliveryUpdate {
  status: WebhookDelivery['status']
  attempts: number
  next_attempt_at: number
  last_status?: number
  last_error?: string
  delivered_at?: number
}

export interface PushSubscriptionRecord {
  endpoint: string
  approver_id: string
  p256dh: string
  auth: string
  created_at: string
}

/** A third-party credential the vault injects after approval; the agent never sees it. */
export interface VaultCredential {
  /** Unique service name (`github`), the AAD its secret is sealed with. */
  name: string
  auth_type: 'bearer' | 'api_key' | 'basic' | 'header'
  /** The header the secret goes in (api_key / header); Authorization for bearer and basic. */
  header?: string
  /** Hosts the credential may be sent to: exact names or `*.example.com`. */
  allowed_hosts: string[]
  description?: string
  encrypted_secret: string
  created_at: string
  updated_at: string
}
