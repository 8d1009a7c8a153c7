import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { splitDecisionChallenge } from '../../../src/approval/passkey/decision-challenge.js'
import {
  passkeyDecisionOptions,
  verifyPasskeyDecision,
} from '../../../src/approval/passkey/passkey-decision.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import type { Store } from '../../../src/store/store.js'
import { addRequest, enrolPasskey, NOW, openProofStore, rp } from './proof-fixtures.js'

let store: Store
let dispose: () => Promise<void>
beforeEach(async () => {
  ;({ store, dispose } = await openProofStore())
})
afterEach(async () => {
  await dispose()
})

describe('passkeyDecisionOptions', () => {
  it('makes a challenge of nonce ‖ content hash, limited to the approver’s passkeys', async () => {
    const { approver, credential } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    expect(options.userVerification).toBe('required')
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([credential.id])
    expect(splitDecisionChallenge(options.challenge)).toMatchObject({
      decision: 'approve',
      content_hash: request.content_hash,
    })
  })
})

describe('verifyPasskeyDecision', () => {
  it('approves: returns the approver and evidence, and advances the counter', async () => {
    const { approver, authenticator, credential } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const response = authenticator.assert(options)
    const result = await verifyPasskeyDecision(store, rp, request, 'approve', response, NOW)
    expect(result.approver).toEqual(approver)
    expect(result.evidence).toEqual({
      method: 'passkey',
      credential_id: credential.id,
      nonce: splitDecisionChallenge(options.challenge)!.nonce,
      response: JSON.parse(JSON.stringify(response)),
      origin: rp.origin,
      rp_id: rp.id,
      counter: 2,
    })
    expect((await store.getPasskey(credential.id))?.counter).toBe(2)
  })

  it('refuses a decision signed after the approver was removed', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    await store.removeApprover(approver.id, NOW)
    // Their outstanding challenge went with them.
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('denies with the same proof', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'deny', undefined, NOW)
    const result = await verifyPasskeyDecision(
      store,
      rp,
      request,
      'deny',
      authenticator.assert(options),
      NOW,
    )
    expect(result.approver.id).toBe(approver.id)
    expect(result.evidence.method).toBe('passkey')
  })

  it('refuses an assertion without user verification', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const response = authenticator.assert(options, { userVerified: false })
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', response, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_USER_NOT_VERIFIED' })
  })

  it('refuses another origin and another RP ID', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    for (const tamper of [
      { origin: 'https://warden.example.test.evil.example' },
      { origin: 'http://warden.example.test' },
      { rpId: 'example.test' },
    ]) {
      const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
      const response = authenticator.assert(options, tamper)
      await expect(
        verifyPasskeyDecision(store, rp, request, 'approve', response, NOW),
      ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
    }
  })

  it('refuses a bad signature', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const response = authenticator.assert(options)
    const signature = Buffer.from(response.response.signature, 'base64url')
    signature[signature.length - 1]! ^= 1
    response.response.signature = signature.toString('base64url')
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', response, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
  })

  it('refuses a replayed nonce, even freshly signed with a higher counter', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const first = authenticator.assert(options)
    await verifyPasskeyDecision(store, rp, request, 'approve', first, NOW)
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
    // The very same bytes again: refused (the counter no longer increases).
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', first, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_COUNTER' })
  })

  it('refuses a replayed nonce from a passkey that keeps no counter', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice', { counterless: true })
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const response = authenticator.assert(options)
    expect(
      (await verifyPasskeyDecision(store, rp, request, 'approve', response, NOW)).evidence,
    ).toMatchObject({ counter: 0 })
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', response, NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses an expired nonce', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    await expect(
      verifyPasskeyDecision(
        store,
        rp,
        request,
        'approve',
        authenticator.assert(options),
        NOW + 5 * 60_000,
      ),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses a nonce issued for another request with the same parameters', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const twin = await addRequest(store)
    expect(twin.content_hash).toBe(request.content_hash)
    const options = await passkeyDecisionOptions(store, rp, twin, 'approve', approver, NOW)
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses a deny nonce used to approve (and an approve nonce used to deny)', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const deny = await passkeyDecisionOptions(store, rp, request, 'deny', approver, NOW)
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', authenticator.assert(deny), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
    const approve = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    await expect(
      verifyPasskeyDecision(store, rp, request, 'deny', authenticator.assert(approve), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses a signature over parameters that changed after they were shown', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    const altered = { action: 'transfer', amount: 25_000, to: 'Mallory' }
    const now: ApprovalRequest = {
      ...request,
      parameters: altered,
      content_hash: canonicalDigest(altered),
    }
    await expect(
      verifyPasskeyDecision(store, rp, now, 'approve', authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_APPROVAL_HASH_MISMATCH' })
  })

  it('refuses a counter that went backwards (cloned authenticator)', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice', { counter: 10 })
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    await expect(
      verifyPasskeyDecision(
        store,
        rp,
        request,
        'approve',
        authenticator.assert(options, { counter: 5 }),
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_COUNTER' })
    await expect(
      verifyPasskeyDecision(
        store,
        rp,
        request,
        'approve',
        authenticator.assert(options, { counter: 0 }),
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_COUNTER' })
  })

  it('refuses another approver’s passkey when the challenge was issued to a signed-in approver', async () => {
    const { approver } = await enrolPasskey(store, 'alice')
    const bob = await enrolPasskey(store, 'bob')
    const request = await addRequest(store)
    const options = await passkeyDecisionOptions(store, rp, request, 'approve', approver, NOW)
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', bob.authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
  })

  it('refuses a login challenge and malformed responses', async () => {
    const { authenticator } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    const login = { challenge: Buffer.alloc(32, 9).toString('base64url') }
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', authenticator.assert(login), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
    const broken = authenticator.assert(login)
    broken.response.clientDataJSON = 'e30'
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', broken, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
    await expect(
      verifyPasskeyDecision(store, rp, request, 'approve', {} as never, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
  })
})
