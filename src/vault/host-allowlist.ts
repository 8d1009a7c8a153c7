import { WardenError } from '../errors.js'

/** One allowed-host entry: `api.github.com`, `*.example.com`, optionally with `:port`. */
export interface HostPattern {
  /** Lower-case, punycode, no trailing dot; for a wildcard, the part after `*.`. */
  host: string
  wildcard: boolean
  /** 443 unless the entry names another port. */
  port: number
}

const HTTPS_PORT = 443

/**
 * Parses an allowed-host entry as the credential's owner wrote it. The host goes through the
 * URL parser, so `API.GitHub.com`, IDNs and IPv4 spellings compare in their canonical form.
 * A wildcard stands for exactly one label and never for the bare domain.
 */
export function parseHostPattern(entry: string): HostPattern {
  const text = entry.trim()
  const wildcard = text.startsWith('*.')
  const rest = wildcard ? text.slice(2) : text
  if (rest === '' || /[/?#@\\\s*]/.test(rest)) throw invalidPattern(entry)
  let url: URL
  try {
    url = new URL(`https://${rest}`)
  } catch {
    throw invalidPattern(entry)
  }
  const host = canonicalHost(url.hostname)
  if (host === '') throw invalidPattern(entry)
  if (wildcard && (!host.includes('.') || /^[\d.]+$/.test(host) || host.startsWith('['))) {
    throw invalidPattern(entry, 'a wildcard needs a domain of two labels or more')
  }
  return { host, wildcard, port: url.port === '' ? HTTPS_PORT : Number(url.port) }
}

/** The host as the allowlist compares it: lower case, without one trailing dot. */
export function canonicalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '')
}

/** True when `url`'s host and port match one of the credential's allowed hosts. */
export function hostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const host = canonicalHost(url.hostname)
  const port = url.port === '' ? HTTPS_PORT : Number(url.port)
  return allowedHosts.some((entry) => {
    const pattern = parseHostPattern(entry)
    if (pattern.port !== port) return false
    if (!pattern.wildcard) return host === pattern.host
    const label = host.slice(0, -pattern.host.length - 1)
    return host.endsWith(`.${pattern.host}`) && label !== '' && !label.includes('.')
  })
}

function invalidPattern(entry: string, why = 'expected host, *.domain or host:port'): WardenError {
  return new WardenError('ERR_CONFIG_INVALID', `allowed host "${entry}": ${why}`)
}
