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

/**
 * One signed POST of a delivery's stored body. Redirects are never followed (a 3xx is a
 * failure), the response body is discarded, and the attempt gives up after 5 s.
 */
export async function sendDelivery(
  delivery: WebhookDelivery,
  secret: string,
  now: number,
  fetchImpl: typeof fetch,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<AttemptResult> {
  const timestamp = Math.floor(now / 1000)
  let response: Response
  try {
    response = await fetchImpl(delivery.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'mcp-warden-webhooks',
        [SIGNATURE_HEADER]: signWebhook(secret, delivery.id, timestamp, delivery.body),
        [DELIVERY_HEADER]: delivery.id,
        [EVENT_HEADER]: delivery.event,
      },
      body: delivery.body,
    })
  } catch (error) {
    return { ok: false, error: describeFetchError(error, timeoutMs) }
  }
  // The body is never read: cancelling frees the connection at once.
  await response.body?.cancel().catch(() => undefined)
  const status = response.status
  if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    const location = response.headers.get('location')
    return {
      ok: false,
      status,
      error: `redirect not followed (HTTP ${status}${location ? ` to ${location}` : ''})`,
    }
  }
  if (status >= 200 && status < 300) return { ok: true, status }
  return { ok: false, status, error: `HTTP ${status}` }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return `no response within ${timeoutMs / 1000} s`
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const detail = cause?.code ?? cause?.message
    return detail ? `${error.message}: ${detail}` : error.message
  }
  return String(error)
}
