import { createHash, timingSafeEqual } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import { WardenError } from '../errors.js'
import { createAuthContext, type AuthContext } from './auth-context.js'
import { IdentityConfigError } from './config-error.js'
import { readHeader, type IdentityProvider, type IdentityRequest } from './provider.js'

export interface HeaderProviderOptions {
  name?: string
  /** Peers allowed to send identity headers: CIDRs (`10.0.0.0/8`) or single addresses. */
  trustedProxies?: readonly string[]
  /** A header the proxy adds with a secret only it and warden know. */
  sharedSecret?: { header: string; value: string }
  /** Default `x-user-id`. */
  userIdHeader?: string
  /** Default `x-user-roles`; comma-separated. */
  rolesHeader?: string
  /** Default `x-agent-id`. */
  agentIdHeader?: string
}

/** Short enough to guess is short enough to be useless. */
const MIN_SECRET_LENGTH = 32

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

/**
 * Identity asserted by an identity-aware proxy in plain headers. Trust comes from where
 * the request comes from (and/or the shared secret it carries); every configured check must
 * pass. From an untrusted peer the headers are rejected, never silently ignored.
 */
export function createHeaderProvider(options: HeaderProviderOptions): IdentityProvider {
  const ranges = (options.trustedProxies ?? []).map(parseRange)
  const secret = options.sharedSecret
  if (ranges.length === 0 && secret === undefined) {
    throw new IdentityConfigError(
      'trusted_proxies',
      'trusted_proxies or shared_secret_env is required: headers from anyone are not identity',
    )
  }
  if (secret !== undefined && secret.value.length < MIN_SECRET_LENGTH) {
    throw new IdentityConfigError(
      'shared_secret_env',
      `the shared secret must be at least ${MIN_SECRET_LENGTH} characters`,
    )
  }
  const expectedSecret = secret === undefined ? undefined : digest(secret.value)
  const userIdHeader = options.userIdHeader ?? 'x-user-id'
  const rolesHeader = options.rolesHeader ?? 'x-user-roles'
  const agentIdHeader = options.agentIdHeader ?? 'x-agent-id'

  function checkTrust(request: IdentityRequest): void {
    if (ranges.length > 0 && !isTrustedAddress(request.remoteAddress, ranges)) {
      throw new WardenError(
        'ERR_HEADER_UNTRUSTED',
        `identity headers from ${request.remoteAddress ?? 'an unknown address'} are not trusted`,
      )
    }
    if (secret !== undefined && expectedSecret !== undefined) {
      const presented = readHeader(request, secret.header)
      if (presented === undefined || !timingSafeEqual(digest(presented), expectedSecret)) {
        throw new WardenError('ERR_HEADER_UNTRUSTED', 'identity headers lack the proxy secret')
      }
    }
  }

  return {
    name: options.name ?? 'header',
    type: 'header',
    async authenticate(request: IdentityRequest): Promise<AuthContext | null> {
      const userId = readHeader(request, userIdHeader)
      const roles = readHeader(request, rolesHeader)
      const agentId = readHeader(request, agentIdHeader)
      if (userId === undefined && roles === undefined && agentId === undefined) return null
      checkTrust(request)
      if (userId === undefined || userId.trim() === '') {
        throw new WardenError('ERR_AUTH_INVALID', `identity headers lack ${userIdHeader}`)
      }
      const agent = agentId?.trim()
      return createAuthContext({
        user_id: userId.trim(),
        roles: (roles ?? '')
          .split(',')
          .map((role) => role.trim())
          .filter(Boolean),
        ...(agent ? { agent_id: agent } : {}),
        method: 'header',
      })
    },
  }
}

function parseRange(text: string, index: number): Range {
  try {
    const range: Range = text.includes('/')
      ? ipaddr.parseCIDR(text)
      : (() => {
          const address = ipaddr.parse(text)
          return [address, address.kind() === 'ipv4' ? 32 : 128]
        })()
    return unmapRange(range)
  } catch {
    throw new IdentityConfigError(`trusted_proxies[${index}]`, `${text} is not an address or CIDR`)
  }
}

/** `::ffff:10.0.0.0/104` is written for IPv4 peers; compare it as `10.0.0.0/8`. */
function unmapRange([address, bits]: Range): Range {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
  }
  return [address, bits]
}

/** Node reports IPv4 peers on dual-stack sockets as `::ffff:a.b.c.d`; `process` unmaps them. */
function isTrustedAddress(remoteAddress: string | undefined, ranges: readonly Range[]): boolean {
  if (remoteAddress === undefined || !ipaddr.isValid(remoteAddress)) return false
  const address = ipaddr.process(remoteAddress)
  return ranges.some(
    ([network, bits]) => network.kind() === address.kind() && address.match(network, bits),
  )
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}
