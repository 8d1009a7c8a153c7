import { createAuthContext, type AuthContext } from './auth-context.js'
import { IdentityConfigError } from './config-error.js'
import type { IdentityProvider } from './provider.js'

export interface StaticPrincipal {
  user_id: string
  roles?: readonly string[]
  agent_id?: string
  claims?: Readonly<Record<string, unknown>>
}

/**
 * The one principal of a stdio session: whoever started the process. It answers every
 * request, so it belongs only where there is no per-request credential to read.
 */
export function createStaticProvider(
  principal: StaticPrincipal,
  options: { name?: string } = {},
): IdentityProvider {
  if (principal.user_id.trim() === '') {
    throw new IdentityConfigError('user_id', 'must not be empty')
  }
  const context: AuthContext = createAuthContext({
    user_id: principal.user_id,
    roles: principal.roles ?? [],
    ...(principal.agent_id !== undefined ? { agent_id: principal.agent_id } : {}),
    claims: principal.claims ?? {},
    method: 'static',
  })
  return {
    name: options.name ?? 'static',
    type: 'static',
    authenticate: async () => context,
  }
}

/** `bob:reader,auditor` (from `warden proxy --as`) → `{ user_id: 'bob', roles: [...] }`. */
export function parsePrincipalSpec(spec: string): StaticPrincipal {
  const separator = spec.indexOf(':')
  const userId = (separator === -1 ? spec : spec.slice(0, separator)).trim()
  const roleList = separator === -1 ? '' : spec.slice(separator + 1)
  const roles = roleList.split(',').map((role) => role.trim())
  if (userId === '' || /\s/.test(userId)) {
    throw new IdentityConfigError('--as', 'expected USER:ROLE[,ROLE…], e.g. bob:reader,auditor')
  }
  if (separator !== -1 && roles.some((role) => role === '')) {
    throw new IdentityConfigError('--as', 'a role is empty; expected USER:ROLE[,ROLE…]')
  }
  return { user_id: userId, roles: separator === -1 ? [] : roles }
}
