import { randomBytes } from 'node:crypto'

export type Decision = 'approve' | 'deny'

const NONCE_BYTES = 32
const HASH_BYTES = 32
const CONTENT_HASH = /^[0-9a-f]{64}$/
// The nonce's first byte names the decision, so stored evidence shows offline what was signed.
const DECISION_TAG: Readonly<Record<Decision, number>> = { approve: 0x01, deny: 0x02 }

/** A fresh nonce for one decision: a decision tag byte, then 31 random bytes. */
export function decisionNonce(decision: Decision): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
  nonce[0] = DECISION_TAG[decision]
  return nonce
}

/** The WebAuthn challenge for a decision: base64url(nonce ‖ raw content_hash bytes). */
export function decisionChallenge(nonce: Uint8Array, contentHash: string): string {
  if (nonce.byteLength !== NONCE_BYTES) throw new TypeError('nonce must be 32 bytes')
  if (!CONTENT_HASH.test(contentHash)) throw new TypeError('content hash must be 64 hex digits')
  return Buffer.concat([nonce, Buffer.from(contentHash, 'hex')]).toString('base64url')
}

export interface DecisionChallengeParts {
  /** base64url of the 32 nonce bytes. */
  nonce: string
  /** The decision the nonce's tag names, if it names one. */
  decision: Decision | undefined
  /** Lowercase hex of the 32 hash bytes. */
  content_hash: string
}

/** Splits a challenge back into nonce and content hash; undefined if it has the wrong shape. */
export function splitDecisionChallenge(challenge: string): DecisionChallengeParts | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(challenge)) return undefined
  const bytes = Buffer.from(challenge, 'base64url')
  if (bytes.length !== NONCE_BYTES + HASH_BYTES) return undefined
  // Re-encoding must give the same text, so one challenge has exactly one spelling.
  if (bytes.toString('base64url') !== challenge) return undefined
  const nonce = bytes.subarray(0, NONCE_BYTES)
  return {
    nonce: nonce.toString('base64url'),
    decision: decisionOfTag(nonce[0]!),
    content_hash: bytes.subarray(NONCE_BYTES).toString('hex'),
  }
}

/** The decision a base64url nonce was issued for, if it is a well-formed decision nonce. */
export function nonceDecision(nonce: string): Decision | undefined {
  const bytes = Buffer.from(nonce, 'base64url')
  if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) return undefined
  return decisionOfTag(bytes[0]!)
}

function decisionOfTag(tag: number): Decision | undefined {
  if (tag === DECISION_TAG.approve) return 'approve'
  if (tag === DECISION_TAG.deny) return 'deny'
  return undefined
}
