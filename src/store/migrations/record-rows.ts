import type { ActionType } from '../../approval/approval-request.js'
import type { ApiKeyRecord } from '../../identity/api-key.js'
import type {
  Approver,
  OneTimeToken,
  PasskeyCredential,
  PushSubscriptionRecord,
  SpendingLimit,
  TokenPurpose,
  Webhook,
  WebhookDelivery,
} from '../store.js'
import { iso, optIso, optJson, present, type Flag, type Ms, type Opt } from './row-values.js'

export interface ApproverRow {
  id: string
  name: string
  role: string
  created_at: Ms
  totp_secret: Opt<string>
  totp_enabled: Opt<Flag>
  removed_at: Opt<Ms>
}

export interface PasskeyRow {
  id: string
  approver_id: string
  public_key: string
  counter: Ms
  transports: Opt<string>
  user_verified: Flag
  created_at: Ms
  label: Opt<string>
}

export interface TokenRow {
  hash: string
  purpose: string
  approver_id: Opt<string>
  request_id: Opt<string>
  content_hash: Opt<string>
  data: Opt<string>
  expires_at: Ms
  created_at: Ms
}

export interface ApiKeyRow {
  hash: string
  prefix: string
  name: Opt<string>
  user_id: string
  agent_id: Opt<string>
  roles: string
  created_at: Ms
  expires_at: Opt<Ms>
  revoked_at: Opt<Ms>
}

export interface LimitRow {
  id: string
  agent: Opt<string>
  action_type: string
  period: string
  limit_amount: number
  currency: Opt<string>
  created_at: Ms
}

export interface WebhookRow {
  id: string
  url: string
  encrypted_secret: string
  events: string
  created_at: Ms
}

export interface DeliveryRow {
  id: string
  webhook_id: Opt<string>
  request_id: string
  url: string
  event: string
  body: string
  status: string
  attempts: number
  next_attempt_at: Ms
  last_status: Opt<number>
  last_error: Opt<string>
  created_at: Ms
  delivered_at: Opt<Ms>
}

export interface PushRow {
  endpoint: string
  approver_id: string
  p256dh: string
  auth: string
  created_at: Ms
}
export function approverFromRow(row: ApproverRow): Approver {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Approver['role'],
    created_at: iso(row.created_at),
    ...(row.totp_secret === null
      ? {}
      : { totp: { encrypted_secret: row.totp_secret, enabled: Boolean(row.totp_enabled) } }),
    ...(row.removed_at === null || row.removed_at === undefined
      ? {}
      : { removed_at: iso(row.removed_at) }),
  }
}

export function passkeyFromRow(row: PasskeyRow): PasskeyCredential {
  return {
    id: row.id,
    approver_id: row.approver_id,
    public_key: row.public_key,
    counter: Number(row.counter),
    user_verified: Boolean(row.user_verified),
    created_at: iso(row.created_at),
    ...present({ transports: optJson<string[]>(row.transports), label: row.label }),
  }
}

export function tokenFromRow(row: TokenRow): OneTimeToken {
  return {
    hash: row.hash,
    purpose: row.purpose as TokenPurpose,
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at),
    ...present({
      approver_id: row.approver_id,
      request_id: row.request_id,
      content_hash: row.content_hash,
      data: optJson<Record<string, unknown>>(row.data),
    }),
  }
}

export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord & { name?: string } {
  return {
    hash: row.hash,
    prefix: row.prefix,
    user_id: row.user_id,
    roles: JSON.parse(row.roles) as string[],
    created_at: iso(row.created_at),
    ...present({
      name: row.name,
      agent_id: row.agent_id,
      expires_at: optIso(row.expires_at),
      revoked_at: optIso(row.revoked_at),
    }),
  }
}

export function limitFromRow(row: LimitRow): SpendingLimit {
  return {
    id: row.id,
    action_type: row.action_type as ActionType,
    period: row.period as SpendingLimit['period'],
    limit: Number(row.limit_amount),
    created_at: iso(row.created_at),
    ...present({ agent: row.agent, currency: row.currency }),
  }
}

export function webhookFromRow(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    encrypted_secret: row.encrypted_secret,
    events: JSON.parse(row.events) as string[],
    created_at: iso(row.created_at),
  }
}

export function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    request_id: row.request_id,
    url: row.url,
    event: row.event,
    body: row.body,
    status: row.status as WebhookDelivery['status'],
    attempts: Number(row.attempts),
    next_attempt_at: iso(row.next_attempt_at),
    created_at: iso(row.created_at),
    ...present({
      webhook_id: row.webhook_id,
      last_status: row.last_status === null ? null : Number(row.last_status),
      last_error: row.last_error,
      delivered_at: optIso(row.delivered_at),
    }),
  }
}

export function pushFromRow(row: PushRow): PushSubscriptionRecord {
  return {
    endpoint: row.endpoint,
    approver_id: row.approver_id,
    p256dh: row.p256dh,
    auth: row.auth,
    created_at: iso(row.created_at),
  }
}
