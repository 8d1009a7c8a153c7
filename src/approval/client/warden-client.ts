import { setTimeout as sleep } from 'node:timers/promises'
import { WardenError } from '../../errors.js'
import {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
  RateLimitError,
  WardenApiError,
  errorFromResponse,
} from './client-errors.js'
import {
  bookingRequest,
  contractRequest,
  dataAccessRequest,
  emailRequest,
  postRequest,
  purchaseRequest,
  type BookingInput,
  type ContractInput,
  type DataAccessInput,
  type EmailInput,
  type PostInput,
  type PurchaseInput,
} from './convenience-requests.js'
import type {
  ActionRequestInput,
  ApiCallInput,
  ApiCallResult,
  ApprovalHistory,
  ApprovalView,
  HistoryQuery,
  SpendingSummary,
  VaultServices,
  WaitOptions,
} from './wire-types.js'

export const DEFAULT_WARDEN_URL = 'http://127.0.0.1:8788'
const DEFAULT_WAIT_MS = 300_000
const DEFAULT_POLL_SECONDS = 30
const MAX_POLL_SECONDS = 120

export interface WardenClientOptions {
  /** An agent key `wk_…`; default env WARDEN_API_KEY. */
  apiKey?: string
  /** The service's public URL; default env WARDEN_URL, else http://127.0.0.1:8788. */
  baseUrl?: string
  /** Default: the global fetch. */
  fetch?: typeof fetch
  /** Where the defaults are read from; default process.env. */
  env?: Record<string, string | undefined>
}

interface CallOptions {
  body?: unknown
  signal?: AbortSignal | undefined
}

/** The agent side of the approval service's HTTP API (SynAuth's client, self-hosted). */
export class WardenClient {
  readonly baseUrl: string
  readonly #apiKey: string
  readonly #fetch: typeof fetch

  constructor(options: WardenClientOptions = {}) {
    const env = options.env ?? process.env
    const apiKey = options.apiKey ?? env.WARDEN_API_KEY
    if (!apiKey) {
      throw new WardenError('ERR_AUTH_MISSING', 'no API key: pass apiKey or set WARDEN_API_KEY')
    }
    const baseUrl = options.baseUrl ?? env.WARDEN_URL ?? DEFAULT_WARDEN_URL
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      throw new WardenError('ERR_CONFIG_INVALID', `not an http(s) URL: ${baseUrl}`)
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.#apiKey = apiKey
    this.#fetch = options.fetch ?? globalThis.fetch
  }

  /** Creates a request; it may come back already approved or denied by an auto-rule. */
  requestAction(input: ActionRequestInput, signal?: AbortSignal): Promise<ApprovalView> {
    return this.#call('POST', '/api/v1/actions', { body: input, signal })
  }

  requestEmail(input: EmailInput): Promise<ApprovalView> {
    return this.requestAction(emailRequest(input))
  }

  requestPurchase(input: PurchaseInput): Promise<ApprovalView> {
    return this.requestAction(purchaseRequest(input))
  }

  requestBooking(input: BookingInput): Promise<ApprovalView> {
    return this.requestAction(bookingRequest(input))
  }

  requestPost(input: PostInput): Promise<ApprovalView> {
    return this.requestAction(postRequest(input))
  }

  requestDataAccess(input: DataAccessInput): Promise<ApprovalView> {
    return this.requestAction(dataAccessRequest(input))
  }

  requestContract(input: ContractInput): Promise<ApprovalView> {
    return this.requestAction(contractRequest(input))
  }

  /** The request as it stands now. */
  getAction(id: string, signal?: AbortSignal): Promise<ApprovalView> {
    return this.#call('GET', `/api/v1/actions/${encodeURIComponent(id)}`, { signal })
  }

  /**
   * Long-polls until the request is resolved. Returns the view when approved (or already
   * executed); throws ActionDeniedError, ActionExpiredError, or ActionTimeoutError when
   * `timeoutMs` passes while it is still pending. A 429 waits out Retry-After and goes on.
   */
  async waitForResult(id: string, options: WaitOptions = {}): Promise<ApprovalView> {
    const timeoutMs = Math.max(0, options.timeoutMs ?? DEFAULT_WAIT_MS)
    const pollSeconds = Math.min(
      MAX_POLL_SECONDS,
      Math.max(1, Math.floor(options.pollSeconds ?? DEFAULT_POLL_SECONDS)),
    )
    const deadline = Date.now() + timeoutMs
    const { signal } = options
    let view =
      timeoutMs === 0
        ? await this.getAction(id, signal)
        : await this.#poll(id, Math.min(pollSeconds, Math.ceil(timeoutMs / 1000)), signal)
    for (;;) {
      if (settled(view)) return view
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new ActionTimeoutError(view, timeoutMs)
      await options.onPending?.(view)
      view = await this.#poll(id, Math.min(pollSeconds, Math.ceil(remaining / 1000)), signal)
    }
  }

  /** Withdraws a pending request (it becomes denied with reason `withdrawn`). */
  cancel(id: string): Promise<ApprovalView> {
    return this.#call('POST', `/api/v1/actions/${encodeURIComponent(id)}/cancel`, {})
  }

  /**
   * Uses the approval, once: approved → executed only if `contentHash` is what was approved.
   * A second claim (or a hash mismatch) is a 409 WardenApiError.
   */
  claim(id: string, contentHash: string): Promise<ApprovalView> {
    return this.#call('POST', `/api/v1/actions/${encodeURIComponent(id)}/claim`, {
      body: { content_hash: contentHash },
    })
  }

  /** Reports how the executed action went; `failed` gives the reserved spending back. */
  reportResult(id: string, result: 'succeeded' | 'failed'): Promise<ApprovalView> {
    return this.#call('POST', `/api/v1/actions/${encodeURIComponent(id)}/result`, {
      body: { result },
    })
  }

  /** This agent's requests, newest first. */
  getHistory(query: HistoryQuery = {}): Promise<ApprovalHistory> {
    const search = new URLSearchParams()
    if (query.status !== undefined) search.set('status', query.status)
    if (query.action_type !== undefined) search.set('action_type', query.action_type)
    if (query.limit !== undefined) search.set('limit', String(query.limit))
    const suffix = search.size > 0 ? `?${search.toString()}` : ''
    return this.#call('GET', `/api/v1/actions${suffix}`, {})
  }

  /** Every spending limit that applies to this agent, with the current window's figures. */
  getSpendingSummary(): Promise<SpendingSummary> {
    return this.#call('GET', '/api/v1/agent/spending-summary', {})
  }

  /**
   * The services whose credentials the vault holds (names, auth types, allowed hosts; never a
   * secret). 501 ERR_VAULT_NOT_CONFIGURED (a WardenApiError) when the service has no vault.
   */
  listVaultServices(): Promise<VaultServices> {
    return this.#call('GET', '/api/v1/vault/services', {})
  }

  /**
   * Asks approval for an API call the vault will make with its stored credential. The
   * request's parameters are exactly the call; nothing runs until executeApprovedCall.
   */
  requestApiCall(input: ApiCallInput, signal?: AbortSignal): Promise<ApprovalView> {
    return this.#call('POST', '/api/v1/vault/execute', { body: input, signal })
  }

  /** Runs an approved vault call once (the stored call, as approved); a second try is a 409. */
  executeApprovedCall(id: string, signal?: AbortSignal): Promise<ApiCallResult> {
    return this.#call('POST', `/api/v1/vault/execute/${encodeURIComponent(id)}`, {
      body: {},
      signal,
    })
  }

  /**
   * requestApiCall, waitForResult, executeApprovedCall: the call made with a credential the
   * agent never sees. Throws ActionDeniedError / ActionExpiredError / ActionTimeoutError as
   * waitForResult does, and WardenApiError when the vault refuses the call.
   */
  async executeApiCall(input: ApiCallInput, options: WaitOptions = {}): Promise<ApiCallResult> {
    const requested = await this.requestApiCall(input, options.signal)
    const approved = await this.waitForResult(requested.id, options)
    return this.executeApprovedCall(approved.id, options.signal)
  }

  async #poll(id: string, seconds: number, signal: AbortSignal | undefined): Promise<ApprovalView> {
    const path = `/api/v1/actions/${encodeURIComponent(id)}/wait?timeout=${seconds}`
    try {
      return await this.#call<ApprovalView>('GET', path, { signal })
    } catch (error) {
      if (!(error instanceof RateLimitError)) throw error
      await sleep(1000 * Math.min(seconds, error.retryAfter ?? 1), undefined, { signal })
      return this.getAction(id, signal)
    }
  }

  async #call<T>(method: string, path: string, options: CallOptions): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: 'application/json',
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await this.#fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
    } catch (error) {
      if (options.signal?.aborted) throw error
      const why = error instanceof Error ? error.message : String(error)
      // undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND…) in its cause.
      const cause = (error as { cause?: { code?: unknown } }).cause?.code
      throw new WardenApiError(
        0,
        'ERR_APPROVAL_BACKEND_UNAVAILABLE',
        `cannot reach the approval service at ${this.baseUrl}: ${why}${typeof cause === 'string' ? ` (${cause})` : ''}`,
        { cause: error },
      )
    }
    if (!response.ok) throw await errorFromResponse(response)
    try {
      return (await response.json()) as T
    } catch (error) {
      throw new WardenApiError(response.status, 'ERR_INTERNAL', 'response is not JSON', {
        cause: error,
      })
    }
  }
}

/** True when approved (or already executed); throws for the two final refusals. */
function settled(view: ApprovalView): boolean {
  switch (view.status) {
    case 'approved':
    case 'executed':
      return true
    case 'denied':
      throw new ActionDeniedError(view)
    case 'expired':
      throw new ActionExpiredError(view)
    case 'pending':
      return false
  }
}
