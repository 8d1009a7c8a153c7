import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { WardenError, type WardenErrorCode } from '../../errors.js'

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 501 | 503

/** HTTP status per warden code; anything unlisted is a 500 with a generic message. */
const STATUS: Partial<Record<WardenErrorCode, ErrorStatus>> = {
  ERR_MESSAGE_INVALID: 400,
  ERR_AUTH_MISSING: 401,
  ERR_AUTH_INVALID: 401,
  ERR_API_KEY_INVALID: 401,
  ERR_API_KEY_EXPIRED: 401,
  ERR_API_KEY_REVOKED: 401,
  ERR_APPROVER_SESSION_INVALID: 401,
  ERR_FORBIDDEN: 403,
  ERR_PROOF_INVALID: 403,
  ERR_PASSKEY_USER_NOT_VERIFIED: 403,
  ERR_PASSKEY_COUNTER: 403,
  ERR_CHALLENGE_INVALID: 403,
  ERR_TOTP_INVALID: 403,
  ERR_TOTP_REPLAYED: 403,
  ERR_TOTP_NOT_ENROLLED: 403,
  ERR_ENROLMENT_INVALID: 403,
  ERR_APPROVAL_NOT_FOUND: 404,
  ERR_APPROVER_NOT_FOUND: 404,
  ERR_APPROVAL_ALREADY_RESOLVED: 409,
  ERR_APPROVAL_ALREADY_EXECUTED: 409,
  ERR_APPROVAL_NOT_APPROVED: 409,
  ERR_APPROVAL_DENIED: 409,
  ERR_APPROVAL_HASH_MISMATCH: 409,
  ERR_APPROVAL_EXPIRED: 410,
  ERR_BODY_TOO_LARGE: 413,
  ERR_APPROVAL_INVALID: 422,
  ERR_APPROVAL_OVER_LIMIT: 422,
  ERR_WEBHOOK_INVALID: 422,
  ERR_NOT_CANONICALIZABLE: 422,
  ERR_RATE_LIMITED: 429,
  ERR_VAULT_NOT_CONFIGURED: 501,
  ERR_STORE_UNAVAILABLE: 503,
}

export function statusFor(code: WardenErrorCode): ErrorStatus {
  return STATUS[code] ?? 500
}

/** The one error shape of the API: `{error: {code, message}}`; internals never leak. */
export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof WardenError) {
    const status = statusFor(error.code)
    if (status === 429) c.header('Retry-After', '60')
    const message = status === 500 ? 'internal error' : error.message
    return c.json({ error: { code: error.code, message } }, status)
  }
  if (error instanceof HTTPException) {
    const status = error.status
    const code: WardenErrorCode = status === 413 ? 'ERR_BODY_TOO_LARGE' : 'ERR_MESSAGE_INVALID'
    return c.json({ error: { code, message: error.message || 'bad request' } }, status)
  }
  return c.json({ error: { code: 'ERR_INTERNAL', message: 'internal error' } }, 500)
}

/** The request's JSON body as an object; anything else is a 400 naming the problem. */
export async function readJsonBody(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new WardenError('ERR_MESSAGE_INVALID', 'the request body must be JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WardenError('ERR_MESSAGE_INVALID', 'the request body must be a JSON object')
  }
  return body as Record<string, unknown>
}

/** A required string field of a body, else 422 naming the field. */
export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value.length === 0) {
    throw new WardenError('ERR_APPROVAL_INVALID', `${field}: must be a non-empty string`)
  }
  return value
}
