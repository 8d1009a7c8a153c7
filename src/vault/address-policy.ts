import ipaddr from 'ipaddr.js'

// Cloud metadata and host-agent endpoints; most sit in ranges refused anyway, Azure's is public.
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  '169.254.170.2', // AWS ECS task metadata
  '168.63.129.16', // Azure WireServer (a public address)
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IMDS over IPv6
])

/**
 * Why the vault will not connect to `address`, or undefined for an ordinary public unicast
 * address. Loopback, private, link-local, CGNAT, multicast, unspecified, reserved, unique-local,
 * NAT64/6to4/Teredo and IPv4-mapped or IPv4-compatible IPv6 forms are all refused, as are cloud
 * metadata addresses. An unparseable address is refused.
 */
export function addressRefusal(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address'
  // process() turns ::ffff:a.b.c.d into a.b.c.d, so a mapped private address stays private.
  const ip = ipaddr.process(address)
  if (METADATA_ADDRESSES.has(ip.toString())) return 'a cloud metadata address'
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) {
    // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form ::a.b.c.d.
    return 'an IPv4-compatible IPv6 address'
  }
  const range = ip.range()
  return range === 'unicast' ? undefined : `a ${range} address`
}

/** True for an address the vault may connect to (see addressRefusal). */
export function isPublicAddress(address: string): boolean {
  return addressRefusal(address) === undefined
}

/**
 * The canonical IP address a URL host names, or undefined for a DNS name. Accepts what the
 * WHATWG URL parser leaves (`127.0.0.1`, `[::1]`) and the classic inet_aton forms a resolver
 * would also read as addresses (`2130706433`, `0x7f.1`, `0177.0.0.1`).
 */
export function ipLiteral(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare).toString()
  if (ipaddr.IPv4.isValid(bare)) return ipaddr.IPv4.parse(bare).toString()
  return undefined
}
