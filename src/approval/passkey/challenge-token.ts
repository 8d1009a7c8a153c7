import { randomFillSync } from 'node:crypto'
import { hashToken } from '../../store/ids.js'
import type { OneTimeToken, Store, TokenPurpose } from '../../store/store.js'

/** How long a WebAuthn challenge stays usable. */
export const CHALLENGE_TTL_MS = 5 * 60_000

/** 32 fresh random bytes for a registration or login challenge. */
export function randomChallenge(): Uint8Array<ArrayBuffer> {
  return randomFillSync(new Uint8Array(32))
}

/** The store keeps only this hash of a challenge (hashToken of its base64url form). */
export function challengeHash(challenge: string): string {
  return hashToken(challenge)
}

/** Records a challenge as a one-time token so exactly one response can use it. */
export async function storeChallenge(
  store: Store,
  purpose: TokenPurpose,
  challenge: string,
  binding: Pick<OneTimeToken, 'approver_id' | 'request_id' | 'content_hash' | 'data'>,
  now: number,
): Promise<void> {
  await store.putToken({
    hash: challengeHash(challenge),
    purpose,
    ...binding,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + CHALLENGE_TTL_MS).toISOString(),
  })
}
