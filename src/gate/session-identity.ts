import type { Principal } from '../policy/request.js'

/**
 * Whether a request's principal is the one that opened the session. Roles and claims may change
 * (a refreshed token); who it is and how it was proven may not.
 */
export function sameIdentity(opener: Principal, current: Principal): boolean {
  return (
    opener.user_id === current.user_id &&
    opener.agent_id === current.agent_id &&
    opener.method === current.method
  )
}
