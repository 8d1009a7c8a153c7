import { WardenError } from '../errors.js'
import type { VaultCredential } from '../store/store.js'

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** True if `text` holds a control character other than tab: CR and LF would start a header line. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true
  }
  return false
}

/**
 * Headers an agent may never set: the credential's own slots, routing (Host), other
 * credentials (Cookie, Proxy-*), message framing (request smuggling) and the encoding the
 * vault pins so it can redact the response.
 */
const REFUSED = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'cookie',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
])

/** The header a credential is sent in. */
export function credentialHeaderName(
  credential: Pick<VaultCredential, 'auth_type' | 'header'>,
): string {
  if (credential.auth_type === 'bearer' || credential.auth_type === 'basic') return 'Authorization'
  return credential.header ?? 'X-Api-Key'
}

/** The header value a credential's secret becomes for its auth type. */
export function credentialHeaderValue(auth: VaultCredential['auth_type'], secret: string): string {
  switch (auth) {
    case 'bearer':
      return `Bearer ${secret}`
    case 'basic':
      return `Basic ${Buffer.from(secret, 'utf8').toString('base64')}`
    case 'api_key':
    case 'header':
      return secret
  }
}

/** A header name the owner may give a credential (api_key / header). */
export function checkCredentialHeaderName(name: string): void {
  if (!TOKEN.test(name)) {
    throw new WardenError('ERR_CONFIG_INVALID', `header "${name}" is not a valid header name`)
  }
  const lower = name.toLowerCase()
  if ((REFUSED.has(lower) && lower !== 'authorization') || lower.startsWith('proxy-')) {
    throw new WardenError('ERR_CONFIG_INVALID', `header "${name}" cannot carry a credential`)
  }
}

/**
 * Refuses agent headers that could replace or leak the credential, smuggle a request or
 * inject a header line: ERR_APPROVAL_INVALID naming the header. Checked when the call is
 * requested and again, on the stored call, before it runs.
 */
export function checkAgentHeaders(headers: Record<string, string>, credentialHeader: string): void {
  const seen = new Set<string>()
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers.${JSON.stringify(name)}`
    if (!TOKEN.test(name)) throw refused(field, 'is not a valid header name')
    if (typeof value !== 'string' || hasControlCharacter(value)) {
      throw refused(field, 'must be a string without control characters (no CR or LF)')
    }
    const lower = name.toLowerCase()
    if (lower === credentialHeader.toLowerCase()) {
      throw refused(field, "is the credential's header; the vault sets it")
    }
    if (REFUSED.has(lower) || lower.startsWith('proxy-')) {
      throw refused(field, 'may not be set by an agent')
    }
    if (seen.has(lower)) throw refused(field, 'is given twice')
    seen.add(lower)
  }
}

function refused(field: string, why: string): WardenError {
  return new WardenError('ERR_APPROVAL_INVALID', `${field}: ${why}`)
}
