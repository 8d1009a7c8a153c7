import { createHmac, timingSafeEqual } from 'node:crypto'
import { WardenError } from '../../errors.js'

export const SIGNATURE_HEADER = 'X-Warden-Signature'
export const DELIVERY_HEADER = 'X-Warden-Delivery'
export const EVENT_HEADER = 'X-Warden-Event'

/** How far a signature's timestamp may be from the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300

function hmacHex(secret: string, deliveryId: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret)
    .update(`${deliveryId}.${timestamp}.${body}`, 'utf8')
    .digest('hex')
}

/**
 * The `X-Warden-Signature` value for one attempt: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<delivery id>.<t>.<body>">`. `timestamp` is in unix seconds.
 */
export function signWebhook(
  secret: string,
  deliveryId: string,
  timestamp: number,
  body: string,
): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new WardenError('ERR_WEBHOOK_INVALID', 'the signature timestamp must be unix seconds')
  }
  return `t=${timestamp},v1=${hmacHex(secret, deliveryId, timestamp, body)}`
}

/**
 * Checks a received webhook: `header` is the X-Warden-Signature value, `deliveryId` the
 * X-Warden-Delivery value, `body` the raw request body exactly as received. True only if one
 * `v1` signature matches (compared in constant time) and `t` is within the tolerance of
 * `now` (epoch ms, default the current time). Never throws.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  deliveryId: string,
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const parsed = parseHeader(header)
  if (!parsed) return false
  const now = options.now ?? Date.now()
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (Math.abs(now / 1000 - parsed.timestamp) > tolerance) return false
  const expected = Buffer.from(hmacHex(secret, deliveryId, parsed.timestamp, body), 'hex')
  let matched = false
  // Every candidate is compared, so timing does not tell which one matched.
  for (const signature of parsed.signatures) {
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) matched = true
  }
  return matched
}

/** `t=…,v1=…[,v1=…]`; several v1 values let a sender sign with an old and a new secret. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | null {
  if (typeof header !== 'string' || header.length > 4096) return null
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) return null
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,15}$/.test(value)) return null
      timestamp = Number(value)
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return null
      signatures.push(value)
    }
  }
  if (timestamp === undefined || signatures.length === 0) return null
  return { timestamp, signatures }
}
