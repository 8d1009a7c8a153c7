import ipaddr from 'ipaddr.js'
import { IdentityConfigError } from './config-error.js'

/**
 * An absolute https URL, or http on a loopback address (local development, where there is
 * no network to tamper with). Anything else fails start-up naming `field`.
 */
export function requireSecureUrl(field: string, text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new IdentityConfigError(field, 'must be an absolute URL')
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url
  throw new IdentityConfigError(field, 'must use https (http only on a loopback address)')
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost') return true
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback'
}
