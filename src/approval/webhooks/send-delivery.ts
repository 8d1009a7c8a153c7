import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import type { WebhookDelivery } from '../../store/store.js'
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
} from './webhook-signature.js'

export const WEBHOOK_TIMEOUT_MS = 5_000

/** What one attempt came to: delivered (2xx), or why not. */
export interface AttemptResult {
  ok: boolean
  status?: number
  error?: string
}

export interface SendOptions {
  timeoutMs?: number
  /** How the host name is resolved; the connection goes to what it answers (see CallbackPolicy). */
  lookup?: LookupFunction
}

/**
 * One signed POST of a delivery's stored body, on a connection of its own. Redirects are never
 * followed (a 3xx is a failure), the response body is discarded, and the attempt gives up
 * after 5 s.
 */
export function sendDelivery(
  delivery: WebhookDelivery,
  secret: string,
  now: number,
  options: SendOptions = {},
): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS
  const timestamp = Math.floor(now / 1000)
  const url = new URL(delivery.url)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: AttemptResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve(result)
    }
    const request = send(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(delivery.body)),
        'User-Agent': 'mcp-warden-webhooks',
        [SIGNATURE_HEADER]: signWebhook(secret, delivery.id, timestamp, delivery.body),
        [DELIVERY_HEADER]: delivery.id,
        [EVENT_HEADER]: delivery.event,
      },
      ...(options.lookup ? { lookup: options.lookup } : {}),
    })
    const timer = setTimeout(
      () => finish({ ok: false, error: `no response within ${timeoutMs / 1000} s` }),
      timeoutMs,
    )
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, error: describeError(error) }),
    )
    // The body is never read: the connection is closed as soon as the status is known.
    request.on('response', (response) => finish(outcome(response)))
    request.end(delivery.body)
  })
}

function outcome(response: IncomingMessage): AttemptResult {
  const status = response.statusCode ?? 0
  if (status >= 300 && status < 400) {
    const location = response.headers.location
    return {
      ok: false,
      status,
      error: `redirect not followed (HTTP ${status}${location ? ` to ${location}` : ''})`,
    }
  }
  if (status >= 200 && status < 300) return { ok: true, status }
  return { ok: false, status, error: `HTTP ${status}` }
}

function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ERR_HOST_NOT_ALLOWED') return error.message
  return error.code ? `${error.code}: ${error.message}` : error.message
}
