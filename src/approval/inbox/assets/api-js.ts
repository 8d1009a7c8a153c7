/** Browser module /js/api.js: JSON calls to the approval API and readable error messages. */
export const API_JS = String.raw`
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message)
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
  }
}

// Every state-changing call carries JSON; the server also checks the Origin header.
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } }
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body === undefined ? {} : body)
  }
  let response
  try {
    response = await fetch(path, init)
  } catch (error) {
    throw new ApiError(0, 'ERR_NETWORK', 'The approval server cannot be reached. Check your connection.')
  }
  if (response.status === 204) return undefined
  let data
  try {
    data = await response.json()
  } catch (error) {
    data = undefined
  }
  if (!response.ok) {
    const detail = data && typeof data.error === 'object' && data.error ? data.error : {}
    const code = typeof detail.code === 'string' ? detail.code : 'ERR_HTTP_' + response.status
    const message = typeof detail.message === 'string' ? detail.message : response.statusText
    throw new ApiError(response.status, code, message, response.headers.get('Retry-After'))
  }
  return data
}

const MESSAGES = {
  ERR_APPROVAL_HASH_MISMATCH: 'This request changed after it was displayed, so it was not decided. Reload the page and check it again.',
  ERR_CONTENT_CHANGED: 'This request changed after it was displayed, so it was not decided. Reload the page and check it again.',
  ERR_PASSKEY_USER_NOT_VERIFIED: 'Your passkey did not verify you (PIN, fingerprint or face). Nothing was decided.',
  ERR_PROOF_INVALID: 'The proof was not accepted. Nothing was decided.',
  ERR_PASSKEY_COUNTER: 'This passkey looks cloned (its counter went backwards). Nothing was decided.',
  ERR_CHALLENGE_INVALID: 'The approval challenge expired or was already used. Try again.',
  ERR_TOTP_INVALID: 'That code is not right. Check your authenticator app and try again.',
  ERR_TOTP_REPLAYED: 'That code was already used. Wait for the next one.',
  ERR_TOTP_NOT_ENROLLED: 'You have no authenticator app set up. Use your passkey.',
  ERR_RATE_LIMITED: 'Too many attempts. Wait a few minutes and try again.',
  ERR_APPROVAL_ALREADY_RESOLVED: 'This request was already decided.',
  ERR_APPROVAL_EXPIRED: 'This request has expired.',
  ERR_APPROVAL_NOT_FOUND: 'There is no such request.',
  ERR_APPROVAL_OVER_LIMIT: 'Approving this would exceed a spending limit, so it was denied.',
  ERR_ENROLMENT_INVALID: 'This enrolment link is invalid, expired or already used. Ask an admin for a new one.',
  ERR_APPROVER_NOT_FOUND: 'No approver with that name.',
  ERR_FORBIDDEN: 'You are not allowed to do that.',
  ERR_WEBAUTHN_CANCELLED: 'The passkey prompt was cancelled or timed out. Nothing was decided.',
  ERR_WEBAUTHN_UNSUPPORTED: 'This browser does not support passkeys. Use an authenticator code.',
}

/** A sentence for the person in front of the screen; the code stays visible for support. */
export function describeError(error) {
  const code = error && typeof error.code === 'string' ? error.code : 'ERR_UNKNOWN'
  const known = MESSAGES[code]
  const text = known || (error && error.message ? error.message : 'Something went wrong.')
  return text + ' (' + code + ')'
}

/** Sends the visitor to the login page (keeping where they were) when the session is gone. */
export function loginIfSignedOut(error) {
  if (error && error.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.pathname))
    return true
  }
  return false
}
`
