import { WardenError, type WardenErrorCode } from '../../errors.js'
import type { ApprovalView } from '../approval-view.js'

/** The approval service answered with an error (or could not be reached: status 0). */
export class WardenApiError extends WardenError {
  /** HTTP status; 0 when no response arrived. */
  readonly status: number

  constructor(
    status: number,
    code: WardenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
    this.name = 'WardenApiError'
    this.status = status
  }
}

/** 429: too many requests; `retryAfter` is the server's Retry-After in seconds, if it sent one. */
export class RateLimitError extends WardenApiError {
  readonly retryAfter: number | undefined

  constructor(code: WardenErrorCode, message: string, retryAfter: number | undefined) {
    super(429, code, message)
    this.name = 'RateLimitError'
    this.retryAfter = retryAfter
  }
}

/** The approver (or an auto-deny rule, or the agent's own cancel) denied the request. */
export class ActionDeniedError extends WardenError {
  readonly requestId: string
  readonly reason: string | undefined
  readonly view: ApprovalView

  constructor(view: ApprovalView) {
    const why = view.deny_reason ? `: ${view.deny_reason}` : ''
    super('ERR_APPROVAL_DENIED', `approval request ${view.id} was denied${why}`)
    this.name = 'ActionDeniedError'
    this.requestId = view.id
    this.reason = view.deny_reason
    this.view = view
  }
}

/** Nobody decided before the request's expiry; expiry counts as a denial. */
export class ActionExpiredError extends WardenError {
  readonly requestId: string
  readonly view: ApprovalView

  constructor(view: ApprovalView) {
    super('ERR_APPROVAL_EXPIRED', `approval request ${view.id} expired at ${view.expires_at}`)
    this.name = 'ActionExpiredError'
    this.requestId = view.id
    this.view = view
  }
}

/** waitForResult's own timeout passed while the request was still pending. */
export class ActionTimeoutError extends WardenError {
  readonly requestId: string
  readonly view: ApprovalView

  constructor(view: ApprovalView, timeoutMs: number) {
    super(
      'ERR_APPROVAL_NOT_APPROVED',
      `approval request ${view.id} is still pending after ${timeoutMs} ms (expires ${view.expires_at})`,
    )
    this.name = 'ActionTimeoutError'
    this.requestId = view.id
    this.view = view
  }
}

/** Codes for responses whose body is not the `{error:{code,message}}` envelope (a proxy's 502). */
const STATUS_CODES: Record<number, WardenErrorCode> = {
  401: 'ERR_AUTH_INVALID',
  403: 'ERR_FORBIDDEN',
  404: 'ERR_APPROVAL_NOT_FOUND',
  409: 'ERR_APPROVAL_ALREADY_RESOLVED',
  410: 'ERR_APPROVAL_EXPIRED',
  422: 'ERR_APPROVAL_INVALID',
  429: 'ERR_RATE_LIMITED',
  501: 'ERR_VAULT_NOT_CONFIGURED',
}

/** The typed error for a non-2xx response; reads the body once. */
export async function errorFromResponse(response: Response): Promise<WardenApiError> {
  const text = await response.text().catch(() => '')
  const envelope = parseEnvelope(text)
  const code =
    envelope?.code ??
    STATUS_CODES[response.status] ??
    (response.status >= 500 ? 'ERR_APPROVAL_BACKEND_UNAVAILABLE' : 'ERR_INTERNAL')
  const message = envelope?.message ?? `HTTP ${response.status} ${response.statusText}`.trimEnd()
  if (response.status === 429) {
    return new RateLimitError(code, message, retryAfterSeconds(response.headers.get('retry-after')))
  }
  return new WardenApiError(response.status, code, message)
}

function parseEnvelope(text: string): { code: WardenErrorCode; message: string } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    const { code, message } = body.error ?? {}
    if (typeof code !== 'string' || !code.startsWith('ERR_')) return undefined
    // The server speaks the same code union; an unknown newer code still passes through.
    return { code: code as WardenErrorCode, message: typeof message === 'string' ? message : code }
  } catch {
    return undefined
  }
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - now) / 1000))
}
