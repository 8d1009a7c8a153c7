import { WardenError } from '../errors.js'
import type { VaultCredential } from '../store/store.js'
import { checkAgentHeaders, credentialHeaderName, credentialHeaderValue } from './call-headers.js'
import { checkedTarget, type TargetChecks } from './checked-target.js'
import { hostAllowed } from './host-allowlist.js'
import { pinnedHttpsRequest } from './pinned-https-request.js'
import { createRedactor } from './redactor.js'
import { checkCallShape, type VaultCall } from './vault-call.js'

/** What the agent gets back: never the credential, even if the server echoed it. */
export interface VaultResponse {
  status_code: number
  headers: Record<string, string>
  /** The body as UTF-8 text. */
  body: string
}

export interface ExecutorSettings {
  checks: TargetChecks
  timeoutMs: number
  maxResponseBytes: number
  ca?: string | Buffer
}

// Hop-by-hop and cookie headers say nothing the agent needs and may carry session state.
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie',
  'set-cookie2',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-authenticate',
  'proxy-connection',
  'trailer',
  'upgrade',
])

/**
 * The checks that need the credential but no network: https, the host on the credential's
 * allowlist, agent headers that cannot touch the credential. Run when the call is requested
 * and again on the stored call before it runs. Returns the parsed URL.
 */
export function checkCallAgainst(call: VaultCall, credential: VaultCredential): URL {
  const url = checkCallShape(call)
  if (!hostAllowed(url, credential.allowed_hosts)) {
    const port = url.port === '' ? '' : ` port ${url.port}`
    throw new WardenError(
      'ERR_HOST_NOT_ALLOWED',
      `url: ${url.hostname}${port} is not an allowed host of ${credential.name} (${credential.allowed_hosts.join(', ')})`,
    )
  }
  checkAgentHeaders(call.headers, credentialHeaderName(credential))
  return url
}

/**
 * Runs one approved call: checks it again, resolves and checks the address, connects to
 * exactly that address with the credential added, and returns the answer with every form of
 * the secret masked. A redirect comes back to the agent as it is; it is never followed.
 */
export async function executeVaultCall(
  call: VaultCall,
  credential: VaultCredential,
  secret: string,
  settings: ExecutorSettings,
): Promise<VaultResponse> {
  const headerName = credentialHeaderName(credential)
  const headerValue = credentialHeaderValue(credential.auth_type, secret)
  const redact = createRedactor(secret, headerValue)
  try {
    const url = checkCallAgainst(call, credential)
    const target = await checkedTarget(url, settings.checks)
    const raw = await pinnedHttpsRequest({
      target,
      method: call.method,
      path: `${url.pathname}${url.search}`,
      headers: {
        ...call.headers,
        'accept-encoding': 'identity',
        ...(call.body !== null ? { 'content-length': String(Buffer.byteLength(call.body)) } : {}),
        [headerName]: headerValue,
      },
      body: call.body,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
    })
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(raw.headers)) {
      if (DROPPED_RESPONSE_HEADERS.has(name)) continue
      headers[name] = redact(Array.isArray(value) ? value.join(', ') : value)
    }
    return { status_code: raw.status, headers, body: redact(raw.body.toString('utf8')) }
  } catch (error) {
    throw redactedError(error, redact)
  }
}

/** The error with its message masked; anything not ours becomes a generic upstream failure. */
function redactedError(error: unknown, redact: (text: string) => string): WardenError {
  if (error instanceof WardenError) return new WardenError(error.code, redact(error.message))
  return new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'vault call: the request failed')
}
