import { WardenError } from '../../errors.js'

/** The WebAuthn relying party the approval service speaks for, derived from its public URL. */
export interface RelyingParty {
  /** RP ID: the public URL's host name (no port). */
  id: string
  /** Shown by the platform's passkey dialog. */
  name: string
  /** Exact origin the browser reports in clientDataJSON (`https://host[:port]`). */
  origin: string
}

/**
 * Browsers only offer WebAuthn on https origins and on http://localhost, and never for an IP
 * address as RP ID; other URLs are accepted here so API-only deployments and tests still start.
 */
export function relyingPartyFrom(publicUrl: string, name = 'mcp-warden'): RelyingParty {
  let url: URL
  try {
    url = new URL(publicUrl)
  } catch (error) {
    throw new WardenError('ERR_CONFIG_INVALID', `public URL is not a URL: ${publicUrl}`, {
      cause: error,
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WardenError('ERR_CONFIG_INVALID', `public URL must be http(s): ${publicUrl}`)
  }
  return { id: url.hostname.replace(/^\[|\]$/g, ''), name, origin: url.origin }
}
