import { setTimeout as sleep } from 'node:timers/promises'
import { canonicalDigest } from '../../audit/canonical-digest.js'
import { WardenError, type WardenErrorCode } from '../../errors.js'
import type { ApprovalView } from '../approval-view.js'
import type { ApprovalBackend, BackendApproval } from './approval-backend.js'
import { BackendRateLimited, backendHttp } from './backend-http.js'
import { backendApprovalFrom, isResolvedMeanwhile } from './builtin-approval-backend.js'
import type { RemoteBackendSettings } from './http-approval-backend.js'
import { LocalClaims } from './local-claims.js'

/** The service answers a long-poll after at most this long. */
const MAX_WAIT_SECONDS = 120

/** Codes for error answers without the `{error: {code, message}}` envelope. */
const STATUS_CODES: Record<number, WardenErrorCode> = {
  403: 'ERR_FORBIDDEN',
  404: 'ERR_APPROVAL_NOT_FOUND',
  409: 'ERR_APPROVAL_ALREADY_RESOLVED',
  410: 'ERR_APPROVAL_EXPIRED',
  413: 'ERR_APPROVAL_INVALID',
  422: 'ERR_APPROVAL_INVALID',
}

/**
 * The built-in service over its HTTP agent API (`warden serve`): long-poll `/wait`, and the
 * service's own atomic `/claim` and `/cancel`. The parameters travel as `parameters`; the
 * hash the service computed is checked against ours before the request is used.
 */
export function createWardenHttpBackend(settings: RemoteBackendSettings): ApprovalBackend {
  const { baseUrl, requestTimeoutMs } = settings
  const http = backendHttp({
    baseUrl,
    headers: { 'x-api-key': settings.apiKey },
    fetch: settings.fetch,
    refusal: wardenRefusal,
  })
  const local = new LocalClaims(settings.now)
  const actionPath = (id: string, suffix = '') =>
    `/api/v1/actions/${encodeURIComponent(id)}${suffix}`
  const toBackend = (view: ApprovalView): BackendApproval => {
    const known = local.get(view.id)
    return {
      ...backendApprovalFrom(view),
      ...(view.rule === undefined && known ? { rule: known.rule } : {}),
      ...(view.policy_version === undefined && known
        ? { policy_version: known.policy_version }
        : {}),
    }
  }
  const get = (id: string, signal?: AbortSignal) =>
    http<ApprovalView>({ method: 'GET', path: actionPath(id), signal, timeoutMs: requestTimeoutMs })
  const cancel = async (id: string): Promise<void> => {
    try {
      await http({ method: 'POST', path: actionPath(id, '/cancel'), timeoutMs: requestTimeoutMs })
    } catch (error) {
      if (!isResolvedMeanwhile(error)) throw error
    }
  }

  return {
    kind: 'http',
    async create(request, signal) {
      const expected = canonicalDigest(request.parameters)
      const view = await http<ApprovalView>({
        method: 'POST',
        path: '/api/v1/actions',
        body: {
          action_type: request.action_type,
          title: request.title,
          ...(request.description !== undefined ? { description: request.description } : {}),
          risk_level: request.risk_level,
          ...(request.amount !== undefined ? { amount: request.amount } : {}),
          ...(request.currency !== undefined ? { currency: request.currency } : {}),
          ...(request.recipient !== undefined ? { recipient: request.recipient } : {}),
          parameters: request.parameters,
          ...(request.expires_in !== undefined ? { expires_in: request.expires_in } : {}),
        },
        signal,
        timeoutMs: requestTimeoutMs,
      })
      if (view.content_hash !== expected) {
        await cancel(view.id).catch(() => undefined)
        throw new WardenError(
          'ERR_APPROVAL_HASH_MISMATCH',
          `the approval service hashed the parameters as ${view.content_hash}, not ${expected}`,
        )
      }
      local.remember(view.id, {
        content_hash: expected,
        rule: request.rule,
        policy_version: request.policy_version,
        expires_at: Date.parse(view.expires_at),
      })
      return toBackend(view)
    },
    async get(id, signal) {
      return toBackend(await get(id, signal))
    },
    async wait(id, timeoutMs, signal) {
      const deadline = Date.now() + Math.max(0, timeoutMs)
      let latest: ApprovalView | undefined
      for (;;) {
        const remaining = deadline - Date.now()
        if (latest && (latest.status !== 'pending' || remaining <= 0)) return toBackend(latest)
        const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, remaining) / 1000)
        try {
          latest = await http<ApprovalView>({
            method: 'GET',
            path: actionPath(id, `/wait?timeout=${seconds.toFixed(3)}`),
            signal,
            timeoutMs: seconds * 1000 + requestTimeoutMs,
          })
        } catch (error) {
          if (signal?.aborted) return toBackend(latest ?? (await get(id)))
          if (!(error instanceof BackendRateLimited)) throw error
          const pause = Math.min(error.retryAfterMs ?? 1000, Math.max(0, remaining))
          await sleep(pause, undefined, signal ? { signal } : {}).catch(() => undefined)
          latest ??= await get(id)
        }
      }
    },
    async claim(id, contentHash, signal) {
      const view = await http<ApprovalView>({
        method: 'POST',
        path: actionPath(id, '/claim'),
        body: { content_hash: contentHash },
        signal,
        timeoutMs: requestTimeoutMs,
      })
      return toBackend(view)
    },
    cancel,
    async reportResult(id, result) {
      await http({
        method: 'POST',
        path: actionPath(id, '/result'),
        body: { result },
        timeoutMs: requestTimeoutMs,
      })
    },
  }
}

/** The service's `{error: {code, message}}`, else a code for the status. */
function wardenRefusal(status: number, body: unknown): WardenError {
  const envelope = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  const code =
    typeof envelope?.code === 'string' && envelope.code.startsWith('ERR_')
      ? (envelope.code as WardenErrorCode)
      : (STATUS_CODES[status] ?? 'ERR_APPROVAL_BACKEND_UNAVAILABLE')
  const message = typeof envelope?.message === 'string' ? envelope.message : `HTTP ${status}`
  return new WardenError(code, message)
}
