import { lookup } from 'node:dns/promises'
import { addressRefusal, ipLiteral } from '../../vault/address-policy.js'

/** Resolves a host name to every address it has (node:dns by default; injectable in tests). */
export type HostResolver = (host: string) => Promise<string[]>

export const resolveHost: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((answer) => answer.address)

/**
 * Why the service will not POST to an agent-chosen callback URL, or undefined. Agents pick
 * these URLs, so only public unicast addresses are allowed (the vault's address policy):
 * loopback, private, link-local, metadata and the rest are refused, for IP literals in any
 * spelling and for every address a name resolves to.
 */
export async function callbackRefusal(
  url: string,
  resolve: HostResolver = resolveHost,
): Promise<string | undefined> {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return 'not a URL'
  }
  const literal = ipLiteral(host)
  let addresses: string[]
  try {
    addresses = literal ? [literal] : await resolve(host)
  } catch {
    return `${host} cannot be resolved`
  }
  if (addresses.length === 0) return `${host} has no address`
  for (const address of addresses) {
    const why = addressRefusal(address)
    if (why) return `${host} is ${literal ? '' : `${address}, `}${why}`.replace(' is ,', ' is')
  }
  return undefined
}
