import { setTimeout as sleep } from 'node:timers/promises'
import { canonicalDigest } from '../../audit/canonical-digest.js'
import { WardenError } from '../../errors.js'
import type { ApprovalStatus } from '../approval-request.js'
import { fingerprint } from '../fingerprint.js'
import type { ApprovalBackend, BackendApproval } from './approval-backend.js'
import { BackendRateLimited, backendHttp, unavailable } from './backend-http.js'
import type { RemoteBackendSettings } from './http-approval-backend.js'
import { LocalClaims, type LocalRequest } from './local-claims.js'
import { synauthDescription } from './synauth-description.js'

/** SynAuth's action as its API returns it; only these fields are read. */
interface SynauthAction {
  id: string
  status: string
  resolved_by?: string
  deny_reason?: string
}

const STATUSES: readonly string[] = ['pending', 'approved', 'denied', 'expired']

/**
 * SynAuth's hosted agent API (`POST /api/v1/actions`, `GET /api/v1/actions/{id}`, `X-API-Key`).
 * It has no parameters field, no long-poll, no claim, cancel or result endpoint and no expiry
 * input, so this process computes the content hash, shows the parameters in the description,
 * polls, and keeps the once-only set, the policy version and the expiry itself.
 */
export function createSynauthBackend(settings: RemoteBackendSettings): ApprovalBackend {
  const { baseUrl, requestTimeoutMs, now } = settings
  const http = backendHttp({
    baseUrl,
    headers: { 'x-api-key': settings.apiKey },
    fetch: settings.fetch,
    refusal: synauthRefusal,
  })
  const local = new LocalClaims(now)
  // The last answer per request and when to ask next, so back-to-back waits keep the interval.
  const lastPoll = new WeakMap<LocalRequest, { next: number; action: SynauthAction }>()

  const known = (id: string): LocalRequest => {
    const request = local.get(id)
    if (request) return request
    throw new WardenError(
      'ERR_APPROVAL_NOT_FOUND',
      `approval request ${id} was not created by this process (SynAuth requests are bound to it)`,
    )
  }
  const fetchAction = async (id: string, signal?: AbortSignal): Promise<SynauthAction> => {
    const action = await http<SynauthAction>({
      method: 'GET',
      path: `/api/v1/actions/${encodeURIComponent(id)}`,
      signal,
      timeoutMs: requestTimeoutMs,
    })
    if (!STATUSES.includes(action.status)) {
      throw unavailable(baseUrl, `unknown SynAuth status ${JSON.stringify(action.status)}`)
    }
    return action
  }
  const get = async (id: string, signal?: AbortSignal): Promise<BackendApproval> => {
    const request = known(id)
    return overlay(id, await fetchAction(id, signal), request, now())
  }

  return {
    kind: 'synauth',
    async create(request, signal) {
      const contentHash = canonicalDigest(request.parameters)
      const description = synauthDescription(request, contentHash, settings.maxDescriptionLength)
      const created = await http<SynauthAction>({
        method: 'POST',
        path: '/api/v1/actions',
        body: {
          action_type: request.action_type,
          title: request.title,
          description,
          risk_level: request.risk_level,
          ...(request.amount !== undefined ? { amount: request.amount } : {}),
          ...(request.recipient !== undefined ? { recipient: request.recipient } : {}),
        },
        signal,
        timeoutMs: requestTimeoutMs,
      })
      if (typeof created?.id !== 'string' || !STATUSES.includes(created.status)) {
        throw unavailable(baseUrl, 'SynAuth answered without an action id and status')
      }
      const record: LocalRequest = {
        content_hash: contentHash,
        rule: request.rule,
        policy_version: request.policy_version,
        expires_at: now() + 1000 * (request.expires_in ?? 300),
      }
      local.remember(created.id, record)
      return overlay(created.id, created, record, now())
    },
    get,
    async wait(id, timeoutMs, signal) {
      const record = known(id)
      const deadline = Date.now() + Math.max(0, timeoutMs)
      for (;;) {
        const last = lastPoll.get(record)
        const current = last && overlay(id, last.action, record, now())
        if (current && current.status !== 'pending') return current
        const due = last ? last.next - Date.now() : 0
        if (current && due > 0) {
          // SynAuth documents no long-poll and no push to agents: ask again after the interval.
          const remaining = deadline - Date.now()
          if (remaining <= 0) return current
          const pause = Math.min(due, remaining)
          const aborted = await sleep(pause, false, signal ? { signal } : {}).catch(() => true)
          if (aborted) return current
          continue
        }
        try {
          const action = await fetchAction(id, signal)
          lastPoll.set(record, { next: Date.now() + settings.pollIntervalMs, action })
        } catch (error) {
          if (signal?.aborted) return current ?? get(id)
          if (!(error instanceof BackendRateLimited)) throw error
          const pause = Math.max(settings.pollIntervalMs, error.retryAfterMs ?? 0)
          // Not knowing the status counts as pending: nothing runs on it.
          const action = last?.action ?? { id, status: 'pending' }
          lastPoll.set(record, { next: Date.now() + pause, action })
        }
      }
    },
    async claim(id, contentHash, signal) {
      const record = known(id)
      return local.serialised(id, async () => {
        if (record.executed) {
          throw new WardenError(
            'ERR_APPROVAL_ALREADY_EXECUTED',
            `approval request ${id} was already used`,
          )
        }
        if (record.withdrawn) {
          throw new WardenError('ERR_APPROVAL_DENIED', `approval request ${id} was withdrawn`)
        }
        if (contentHash !== record.content_hash) {
          throw new WardenError(
            'ERR_APPROVAL_HASH_MISMATCH',
            `approval request ${id} does not cover these parameters`,
          )
        }
        const current = overlay(id, await fetchAction(id, signal), record, now())
        if (current.status !== 'approved') throw notApproved(id, current)
        record.executed = true
        return { ...current, status: 'executed' }
      })
    },
    async cancel(id) {
      // SynAuth has no cancel endpoint: the request stays in the app but can no longer be used.
      const record = local.get(id)
      if (!record || record.executed) return
      const status = await fetchAction(id).then(
        (action) => overlay(id, action, record, now()).status,
        () => 'pending' as const,
      )
      if (status === 'pending') record.withdrawn = true
    },
    async reportResult() {
      // SynAuth documents no result endpoint.
    },
  }
}

/** SynAuth's status with what this process knows on top: used, withdrawn, past its expiry. */
function overlay(
  id: string,
  action: SynauthAction,
  record: LocalRequest,
  now: number,
): BackendApproval {
  const remote = action.status as ApprovalStatus
  const open = remote === 'pending' || remote === 'approved'
  let status: ApprovalStatus = remote
  let denyReason = action.deny_reason
  if (record.executed) status = 'executed'
  else if (record.withdrawn && open) {
    status = 'denied'
    denyReason = 'withdrawn'
  } else if (open && now >= record.expires_at) status = 'expired'
  return {
    id,
    status,
    content_hash: record.content_hash,
    fingerprint: fingerprint(record.content_hash),
    expires_at: new Date(record.expires_at).toISOString(),
    ...(action.resolved_by !== undefined ? { resolved_by: action.resolved_by } : {}),
    ...(denyReason !== undefined && status === 'denied' ? { deny_reason: denyReason } : {}),
    rule: record.rule,
    policy_version: record.policy_version,
  }
}

function notApproved(id: string, approval: BackendApproval): WardenError {
  switch (approval.status) {
    case 'denied':
      return new WardenError('ERR_APPROVAL_DENIED', `approval request ${id} was denied`)
    case 'expired':
      return new WardenError('ERR_APPROVAL_EXPIRED', `approval request ${id} has expired`)
    default:
      return new WardenError('ERR_APPROVAL_NOT_APPROVED', `approval request ${id} is not approved`)
  }
}

/** SynAuth's errors are `{detail}` (FastAPI style) or bare statuses. */
function synauthRefusal(status: number, body: unknown, text: string): WardenError {
  const detail = (body as { detail?: unknown } | undefined)?.detail
  const why = typeof detail === 'string' ? detail : text.slice(0, 200) || `HTTP ${status}`
  if (status === 404) return new WardenError('ERR_APPROVAL_NOT_FOUND', `SynAuth: ${why}`)
  if (status === 400 || status === 422) {
    return new WardenError('ERR_APPROVAL_INVALID', `SynAuth refused the request: ${why}`)
  }
  return unavailable('SynAuth', `HTTP ${status}: ${why}`)
}
