import { jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { WardenError } from '../errors.js'
import { createAuthContext, type AuthContext } from './auth-context.js'
import { API_KEY_MARKER } from './api-key.js'
import { claimAt, stringListFromClaim } from './claim-path.js'
import { createJwtKeyResolver, type JwtKeySource } from './jwks.js'
import { readBearerToken, type IdentityProvider, type IdentityRequest } from './provider.js'
import { requireScopes } from './scope.js'

/** Larger bearer values are refused before any parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024

export interface JwtProviderOptions {
  name?: string
  keys: JwtKeySource
  /** The only `alg` values accepted; `none` never is. */
  algorithms: readonly string[]
  /** Expected `iss`; undefined skips the check (config requires it unless opted out). */
  issuer?: string | readonly string[]
  /** Expected `aud`: this resource (RFC 8707); undefined skips the check likewise. */
  audience?: string | readonly string[]
  clockToleranceSeconds?: number
  /** Top-level claims that must be present; `exp` always is. */
  requiredClaims?: readonly string[]
  /** Default `sub`. Paths may be dotted. */
  userIdClaim?: string
  /** e.g. `realm_access.roles` (Keycloak) or `permissions` (Auth0); a string or a list. */
  rolesClaim?: string
  /** Default `scope`; a space-separated string or a list, becomes `scopes`. */
  scopeClaim?: string
  /** e.g. `azp` or `client_id`: the OAuth client acting for the user. */
  agentIdClaim?: string
  /** Scopes every token must hold; a valid token without them is a 403. */
  requiredScopes?: readonly string[]
}

/**
 * Verifies `Authorization: Bearer <JWT>` and maps its claims. Bearer values that are
 * warden API keys (`wk_…`) are not this provider's credential.
 */
export async function createJwtProvider(options: JwtProviderOptions): Promise<IdentityProvider> {
  const getKey = await createJwtKeyResolver(options.keys, options.algorithms)
  const userIdClaim = options.userIdClaim ?? 'sub'
  const scopeClaim = options.scopeClaim ?? 'scope'
  const requiredScopes = [...(options.requiredScopes ?? [])]
  const verifyOptions = {
    algorithms: [...options.algorithms],
    ...(options.issuer !== undefined ? { issuer: toList(options.issuer) } : {}),
    ...(options.audience !== undefined ? { audience: toList(options.audience) } : {}),
    clockTolerance: options.clockToleranceSeconds ?? 0,
    requiredClaims: [...new Set(['exp', ...(options.requiredClaims ?? [])])],
  }
  return {
    name: options.name ?? 'jwt',
    type: 'jwt',
    async authenticate(request: IdentityRequest): Promise<AuthContext | null> {
      const token = readBearerToken(request)
      if (token === undefined || token.startsWith(API_KEY_MARKER)) return null
      if (token === '' || token.length > MAX_TOKEN_LENGTH) {
        throw new WardenError('ERR_JWT_INVALID', 'the bearer token is not a JWT')
      }
      const payload = await verify(token, getKey, verifyOptions)
      const context = createAuthContext({
        user_id: readUserId(payload, userIdClaim),
        roles: readStringList(payload, options.rolesClaim),
        ...readAgentId(payload, options.agentIdClaim),
        claims: payload,
        scopes: readScopes(payload, scopeClaim),
        method: 'jwt',
      })
      requireScopes(context, requiredScopes)
      return context
    },
  }
}

async function verify(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, getKey, options)
    return payload
  } catch (error) {
    throw fromJoseError(error)
  }
}

/** jose's error codes to ours; the token and its claim values never reach the message. */
function fromJoseError(error: unknown): WardenError {
  if (error instanceof WardenError) return error
  const { code, claim, reason } = (error ?? {}) as {
    code?: unknown
    claim?: unknown
    reason?: unknown
  }
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new WardenError('ERR_JWT_EXPIRED', 'the token has expired')
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') {
        return new WardenError('ERR_JWT_NOT_YET_VALID', 'the token is not valid yet')
      }
      return new WardenError(
        'ERR_JWT_CLAIM_INVALID',
        reason === 'missing'
          ? `the token lacks the required "${String(claim)}" claim`
          : `the token's "${String(claim)}" claim is not accepted`,
      )
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new WardenError('ERR_JWT_ALG_NOT_ALLOWED', 'the token algorithm is not allowed')
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new WardenError('ERR_JWKS_NO_MATCHING_KEY', 'no key matches the token')
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new WardenError('ERR_JWKS_UNAVAILABLE', 'the JWKS endpoint could not be used')
    default:
      return new WardenError('ERR_JWT_INVALID', 'the token is not a valid signed JWT')
  }
}

function readUserId(payload: JWTPayload, claim: string): string {
  const value = claimAt(payload, claim)
  if (typeof value !== 'string' || value === '') {
    throw new WardenError('ERR_JWT_CLAIM_INVALID', `the token's "${claim}" claim is not a user id`)
  }
  return value
}

function readStringList(payload: JWTPayload, claim: string | undefined): string[] {
  if (claim === undefined) return []
  const roles = stringListFromClaim(claimAt(payload, claim))
  if (roles === undefined) {
    throw new WardenError(
      'ERR_JWT_CLAIM_INVALID',
      `the token's "${claim}" claim is not a role list`,
    )
  }
  return roles
}

function readScopes(payload: JWTPayload, claim: string): string[] {
  const scopes = stringListFromClaim(claimAt(payload, claim))
  if (scopes === undefined) {
    throw new WardenError(
      'ERR_JWT_CLAIM_INVALID',
      `the token's "${claim}" claim is not a scope list`,
    )
  }
  return scopes
}

function readAgentId(payload: JWTPayload, claim: string | undefined): { agent_id?: string } {
  if (claim === undefined) return {}
  const value = claimAt(payload, claim)
  if (value === undefined) return {}
  if (typeof value !== 'string' || value === '') {
    throw new WardenError(
      'ERR_JWT_CLAIM_INVALID',
      `the token's "${claim}" claim is not an agent id`,
    )
  }
  return { agent_id: value }
}

function toList(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? [value] : [...value]
}
