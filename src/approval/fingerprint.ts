/**
 * The short form of a content hash that the inbox and the agent both show, so a person can
 * check at a glance that they approve what the agent asked: the first 4 bytes as two
 * upper-case hex groups, e.g. `3FA9 0C12`.
 */
export function fingerprint(contentHash: string): string {
  const head = contentHash.slice(0, 8).toUpperCase()
  return `${head.slice(0, 4)} ${head.slice(4, 8)}`
}
