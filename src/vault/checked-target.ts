import { lookup } from 'node:dns/promises'
import { WardenError } from '../errors.js'
import { addressRefusal, ipLiteral } from './address-policy.js'
import { canonicalHost } from './host-allowlist.js'

/** A resolver: every address the name has. */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>

/** The system resolver (getaddrinfo), asked once per call. */
export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true })

/** Where a call will connect: the checked address, and the name for SNI and certificates. */
export interface CheckedTarget {
  /** The URL's host without brackets or trailing dot: TLS servername and Host header. */
  hostname: string
  /** The address that passed the check; the connection goes here and nowhere else. */
  address: string
  family: 4 | 6
  port: number
  /** The URL named an address, not a DNS name. */
  literal: boolean
}

export interface TargetChecks {
  resolve: Resolve
  /** Why an address is refused, or undefined; tests swap it so 127.0.0.1 can stand in for a public host. */
  refusal: (address: string) => string | undefined
}

export const PRODUCTION_CHECKS: TargetChecks = { resolve: systemResolve, refusal: addressRefusal }

/**
 * Resolves the URL's host once and refuses it unless every address it has is public (an IP
 * literal, in any spelling, is checked the same way). The caller connects to the returned
 * address, so a second lookup (DNS rebinding) can never change where the request goes.
 */
export async function checkedTarget(url: URL, checks: TargetChecks): Promise<CheckedTarget> {
  const hostname = canonicalHost(url.hostname.replace(/^\[(.*)\]$/, '$1'))
  const port = url.port === '' ? 443 : Number(url.port)
  const literal = ipLiteral(url.hostname)
  if (literal !== undefined) {
    const why = checks.refusal(literal)
    if (why !== undefined) throw refused(`${hostname} is ${why}`)
    return {
      hostname,
      address: literal,
      family: literal.includes(':') ? 6 : 4,
      port,
      literal: true,
    }
  }
  let answers: { address: string; family: number }[]
  try {
    answers = await checks.resolve(hostname)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw refused(`${hostname} does not resolve${typeof code === 'string' ? ` (${code})` : ''}`)
  }
  if (answers.length === 0) throw refused(`${hostname} does not resolve`)
  for (const answer of answers) {
    const why = checks.refusal(answer.address)
    // The address itself stays out of the message: it would map internal DNS for the agent.
    if (why !== undefined) throw refused(`${hostname} resolves to ${why}`)
  }
  const first = answers[0]!
  return {
    hostname,
    address: first.address,
    family: first.family === 6 ? 6 : 4,
    port,
    literal: false,
  }
}

function refused(why: string): WardenError {
  return new WardenError('ERR_HOST_NOT_ALLOWED', `the vault refuses to connect: ${why}`)
}
