import type { IncomingMessage } from 'node:http'
import { WardenError } from '../errors.js'
import type { AuthContext } from './auth-context.js'

/** What a provider may read from an HTTP request (or an empty one over stdio). */
export interface IdentityRequest {
  /** Header names in any case; node:http's `req.headers` fits as is. */
  headers: Record<string, string | string[] | undefined>
  /** The TCP peer address (`req.socket.remoteAddress`), e.g. `::ffff:127.0.0.1`. */
  remoteAddress?: string
}

/** The identity-relevant part of a node:http request. */
export function identityRequestFrom(request: IncomingMessage): IdentityRequest {
  return {
    headers: request.headers,
    ...(request.socket.remoteAddress !== undefined
      ? { remoteAddress: request.socket.remoteAddress }
      : {}),
  }
}

export type IdentityProviderType = 'api_key' | 'jwt' | 'header' | 'static'

/**
 * One way of proving who is asking. `authenticate` resolves to null when the provider's
 * credential is absent, to an `AuthContext` when it is valid, and rejects with a
 * `WardenError` when it is present but invalid (there is no fall-through after that).
 */
export interface IdentityProvider {
  readonly name: string
  readonly type: IdentityProviderType
  authenticate(request: IdentityRequest): Promise<AuthContext | null>
  /** Releases timers or handles, if the provider holds any. */
  close?(): Promise<void>
}

/**
 * One header's value, looked up case-insensitively. Several differing values for one
 * credential header are ambiguous, so they are rejected rather than picked from.
 */
export function readHeader(request: IdentityRequest, name: string): string | undefined {
  const wanted = name.toLowerCase()
  const { headers } = request
  let found: string | undefined
  for (const key of Object.keys(headers)) {
    // Runs on every request: lower-case only the names that could match.
    if (key.length !== wanted.length || (key !== wanted && key.toLowerCase() !== wanted)) continue
    const value = headers[key]
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (found === undefined) found = one
      else if (one !== found) {
        throw new WardenError('ERR_AUTH_INVALID', `the ${wanted} header was sent more than once`)
      }
    }
  }
  return found
}

/** The token of an `Authorization: Bearer …` header, '' for an empty one, undefined if absent. */
export function readBearerToken(request: IdentityRequest): string | undefined {
  const authorization = readHeader(request, 'authorization')
  if (authorization === undefined) return undefined
  const match = /^Bearer(?:\s+(.*))?$/i.exec(authorization.trim())
  if (!match) return undefined
  return (match[1] ?? '').trim()
}
