import { createHash, randomBytes } from 'node:crypto'

/** A record id: `prefix_` + 16 random bytes base64url (`apr_…`, `apv_…`, `lim_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`
}

/** A secret handed out once (enrolment link, session, challenge nonce): 32 random bytes. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** What the store keeps of a token: its lowercase hex SHA-256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
