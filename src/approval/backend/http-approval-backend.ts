import { WardenError } from '../../errors.js'
import type { ApprovalBackend } from './approval-backend.js'
import { createSynauthBackend } from './synauth-http-backend.js'
import { SYNAUTH_MAX_DESCRIPTION } from './synauth-description.js'
import { createWardenHttpBackend } from './warden-http-backend.js'

export const DEFAULT_SYNAUTH_URL = 'https://synauth.fly.dev'
/** SynAuth's own clients poll every 2–3 s. */
export const DEFAULT_POLL_INTERVAL_MS = 2000
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export interface HttpApprovalBackendOptions {
  /** `warden serve`'s public URL, or SynAuth's (default https://synauth.fly.dev for synauth). */
  baseUrl?: string
  /** Sent as X-API-Key: a `wk_…` key for warden, an `aa_…` key for SynAuth. */
  apiKey: string
  /** `warden`: the built-in service's agent API. `synauth`: SynAuth's documented subset of it. */
  flavor: 'warden' | 'synauth'
  fetch?: typeof fetch
  /** synauth only: how often `wait` asks again; default 2000 ms. */
  pollIntervalMs?: number
  /** Deadline of one call (a long-poll gets its wait on top); default 10 000 ms. */
  requestTimeoutMs?: number
  /** synauth only: longest description sent; default 4000 characters. */
  maxDescriptionLength?: number
  /** Clock for expiry kept in this process (synauth); default Date.now. */
  now?: () => number
}

/** The options after defaults, as the two flavors read them. */
export interface RemoteBackendSettings {
  baseUrl: string
  apiKey: string
  fetch: typeof fetch
  pollIntervalMs: number
  requestTimeoutMs: number
  maxDescriptionLength: number
  now: () => number
}

/**
 * One adapter for both HTTP agent APIs (ours is modelled on SynAuth's). Bad options fail
 * here, at start-up, with ERR_CONFIG_INVALID.
 */
export function createHttpApprovalBackend(options: HttpApprovalBackendOptions): ApprovalBackend {
  const flavor = options.flavor
  if (flavor !== 'warden' && flavor !== 'synauth') {
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `approvals: unknown HTTP flavor "${String(flavor)}"`,
    )
  }
  const baseUrl = options.baseUrl ?? (flavor === 'synauth' ? DEFAULT_SYNAUTH_URL : undefined)
  if (
    baseUrl === undefined ||
    !URL.canParse(baseUrl) ||
    !/^https?:$/.test(new URL(baseUrl).protocol)
  ) {
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `approvals: url must be an http(s) URL (got ${String(baseUrl)})`,
    )
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new WardenError('ERR_CONFIG_INVALID', 'approvals: an API key is required')
  }
  const settings: RemoteBackendSettings = {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey.trim(),
    fetch: options.fetch ?? globalThis.fetch,
    pollIntervalMs: positive(options.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs'),
    requestTimeoutMs: positive(
      options.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
      'requestTimeoutMs',
    ),
    maxDescriptionLength: positive(
      options.maxDescriptionLength,
      SYNAUTH_MAX_DESCRIPTION,
      'maxDescriptionLength',
    ),
    now: options.now ?? Date.now,
  }
  return flavor === 'warden' ? createWardenHttpBackend(settings) : createSynauthBackend(settings)
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new WardenError('ERR_CONFIG_INVALID', `approvals: ${name} must be a positive number`)
  }
  return value
}
