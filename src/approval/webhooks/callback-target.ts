import { lookup } from 'node:dns/promises'
import type { LookupFunction } from 'node:net'
import { addressRefusal, ipLiteral } from '../../vault/address-policy.js'

/** Resolves a host name to every address it has (node:dns by default; injectable in tests). */
export type HostResolver = (host: string) => Promise<string[]>

export const resolveHost: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((answer) => answer.address)

/**
 * Where the service may POST an agent-chosen callback URL. Agents pick these URLs, so only
 * public unicast addresses are allowed (the vault's address policy): loopback, private,
 * link-local, metadata and the rest are refused, for IP literals in any spelling and for every
 * address a name resolves to.
 */
export interface CallbackPolicy {
  /** Why the URL is refused, or undefined (resolves the name once). */
  refusal(url: string): Promise<string | undefined>
  /**
   * The lookup the delivery connects with: it resolves the name and fails unless every address
   * is allowed, and the connection goes to those very addresses. So a name that resolved to a
   * public address when checked cannot resolve to an internal one when used (DNS rebinding).
   */
  lookup: LookupFunction
}

export interface CallbackChecks {
  resolve?: HostResolver
  /** Why an address is refused; tests swap it so 127.0.0.1 can stand in for a public host. */
  addressRefusal?: (address: string) => string | undefined
}

export function createCallbackPolicy(checks: CallbackChecks = {}): CallbackPolicy {
  const resolve = checks.resolve ?? resolveHost
  const refuse = checks.addressRefusal ?? addressRefusal
  const refusal = async (url: string) => {
    let host: string
    try {
      host = new URL(url).hostname
    } catch {
      return 'not a URL'
    }
    const literal = ipLiteral(host)
    if (literal) {
      const why = refuse(literal)
      return why && `${host} is ${why}`
    }
    const checked = await checkedAddresses(host, resolve, refuse)
    return typeof checked === 'string' ? checked : undefined
  }
  const checkedLookup: LookupFunction = (host, options, callback) => {
    const answer = callback as (
      error: NodeJS.ErrnoException | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void
    void checkedAddresses(host, resolve, refuse).then((checked) => {
      if (typeof checked === 'string') {
        const error: NodeJS.ErrnoException = new Error(`callback_url refused: ${checked}`)
        error.code = 'ERR_HOST_NOT_ALLOWED'
        return answer(error, '')
      }
      const family = (address: string) => (address.includes(':') ? 6 : 4)
      if ((options as { all?: boolean }).all) {
        return answer(
          null,
          checked.map((address) => ({ address, family: family(address) })),
        )
      }
      answer(null, checked[0]!, family(checked[0]!))
    })
  }
  return { refusal, lookup: checkedLookup }
}

/** Every address of `host` when all are allowed, else why not. */
async function checkedAddresses(
  host: string,
  resolve: HostResolver,
  refuse: (address: string) => string | undefined,
): Promise<string[] | string> {
  let addresses: string[]
  try {
    addresses = await resolve(host)
  } catch {
    return `${host} cannot be resolved`
  }
  if (addresses.length === 0) return `${host} has no address`
  for (const address of addresses) {
    const why = refuse(address)
    if (why) return `${host} is ${address}, ${why}`
  }
  return addresses
}

/** Public addresses only, resolved with the system resolver. */
export const PUBLIC_CALLBACKS = createCallbackPolicy()
