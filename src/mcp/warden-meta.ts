import type { RequestMeta } from '@modelcontextprotocol/sdk/types.js'

/** `_meta` keys the bridge writes on forwarded requests; a client can never set them. */
export const DECISION_META_KEY = 'mcp-warden/decision'
export const PRINCIPAL_META_KEY = 'mcp-warden/principal'

const PREFIX = 'mcp-warden/'

/** The client's `_meta` without warden keys (forgeable) and without its progress token (re-minted). */
export function clientMeta(meta: RequestMeta | undefined): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key !== 'progressToken' && !key.startsWith(PREFIX)) kept[key] = value
  }
  return kept
}
