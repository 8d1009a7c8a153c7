import type { Principal } from '../policy/request.js'
import { deepFreeze } from '../deep-freeze.js'

/** How a request's identity was established. */
export type AuthMethod = 'api_key' | 'jwt' | 'header' | 'static' | 'anonymous'

/**
 * The identity the rest of warden sees. It never holds the credential itself (no key, no
 * token, no shared secret), only what the credential proved.
 */
export interface AuthContext extends Principal {
  readonly authenticated: boolean
  readonly user_id?: string
  readonly roles: readonly string[]
  readonly agent_id?: string
  /** For JWT: the full verified payload. For other methods: what the provider knows. */
  readonly claims: Readonly<Record<string, unknown>>
  /** OAuth scopes the credential grants (a JWT's `scope`); empty for other methods. */
  readonly scopes: readonly string[]
  readonly method: AuthMethod
}

export interface AuthContextInput {
  user_id: string
  roles?: readonly string[]
  agent_id?: string
  claims?: Readonly<Record<string, unknown>>
  scopes?: readonly string[]
  method: Exclude<AuthMethod, 'anonymous'>
}

/** An authenticated, deeply frozen context: policies and audit read it, nobody edits it. */
export function createAuthContext(input: AuthContextInput): AuthContext {
  const context: AuthContext = {
    authenticated: true,
    user_id: input.user_id,
    roles: dedupe(input.roles ?? []),
    ...(input.agent_id !== undefined ? { agent_id: input.agent_id } : {}),
    claims: copyClaims(input.claims ?? {}),
    scopes: dedupe(input.scopes ?? []),
    method: input.method,
  }
  return deepFreeze(context)
}

/** The principal of a request nobody vouched for; policies see `authenticated: false`. */
export const ANONYMOUS: AuthContext = deepFreeze({
  authenticated: false,
  roles: [],
  claims: {},
  scopes: [],
  method: 'anonymous',
})

/** The caller's claims, detached: flat primitive ones copied directly, anything else cloned. */
function copyClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const prototype = Object.getPrototypeOf(claims)
  const entries = Object.entries(claims)
  const flat =
    (prototype === Object.prototype || prototype === null) &&
    entries.every(([, value]) => isPlainPrimitive(value))
  return flat ? Object.fromEntries(entries) : structuredClone(claims)
}

function isPlainPrimitive(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  )
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)]
}
