import { describe, expect, it } from 'vitest'
import {
  decisionChallenge,
  decisionNonce,
  nonceDecision,
  splitDecisionChallenge,
} from '../../../src/approval/passkey/decision-challenge.js'

const hash = 'ab'.repeat(32)

describe('decision challenge', () => {
  it('is base64url of the 32 nonce bytes followed by the 32 raw hash bytes', () => {
    const nonce = decisionNonce('approve')
    const challenge = decisionChallenge(nonce, hash)
    const bytes = Buffer.from(challenge, 'base64url')
    expect(bytes.length).toBe(64)
    expect(bytes.subarray(0, 32).equals(Buffer.from(nonce))).toBe(true)
    expect(bytes.subarray(32).toString('hex')).toBe(hash)
  })

  it('splits back into nonce, decision and content hash', () => {
    const nonce = decisionNonce('deny')
    const parts = splitDecisionChallenge(decisionChallenge(nonce, hash))
    expect(parts).toEqual({
      nonce: Buffer.from(nonce).toString('base64url'),
      decision: 'deny',
      content_hash: hash,
    })
    expect(nonceDecision(parts!.nonce)).toBe('deny')
  })

  it('tags approve and deny nonces differently and keeps 31 random bytes', () => {
    const approve = decisionNonce('approve')
    const deny = decisionNonce('deny')
    expect(approve[0]).not.toBe(deny[0])
    expect(
      Buffer.from(approve.subarray(1)).equals(Buffer.from(decisionNonce('approve').subarray(1))),
    ).toBe(false)
  })

  it('rejects challenges of the wrong shape', () => {
    expect(splitDecisionChallenge(Buffer.alloc(32).toString('base64url'))).toBeUndefined()
    expect(splitDecisionChallenge(Buffer.alloc(65).toString('base64url'))).toBeUndefined()
    expect(splitDecisionChallenge('not base64url!')).toBeUndefined()
    expect(splitDecisionChallenge(Buffer.alloc(64).toString('base64'))).toBeUndefined()
    expect(nonceDecision(Buffer.alloc(32).toString('base64url'))).toBeUndefined()
    expect(() => decisionChallenge(new Uint8Array(31), hash)).toThrow()
    expect(() => decisionChallenge(decisionNonce('approve'), 'AB'.repeat(32))).toThrow()
  })
})
