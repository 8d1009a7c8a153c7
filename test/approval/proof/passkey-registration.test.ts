import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  passkeyRegistrationOptions,
  verifyPasskeyRegistration,
} from '../../../src/approval/passkey/passkey-registration.js'
import type { Store } from '../../../src/store/store.js'
import { addApprover, enrolPasskey, NOW, openProofStore, rp } from './proof-fixtures.js'
import { SoftAuthenticator } from './soft-authenticator.js'

let store: Store
let dispose: () => Promise<void>
beforeEach(async () => {
  ;({ store, dispose } = await openProofStore())
})
afterEach(async () => {
  await dispose()
})

describe('passkey registration', () => {
  it('asks for user verification, a discoverable key and no attestation', async () => {
    const approver = await addApprover(store, 'alice')
    const options = await passkeyRegistrationOptions(store, rp, approver, NOW)
    expect(options.rp).toEqual({ id: 'warden.example.test', name: 'mcp-warden' })
    expect(options.authenticatorSelection).toMatchObject({
      userVerification: 'required',
      residentKey: 'preferred',
    })
    expect(options.attestation).toBe('none')
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(approver.id)
    expect(Buffer.from(options.challenge, 'base64url')).toHaveLength(32)
  })

  it('stores a verified passkey for the approver', async () => {
    const { approver, authenticator, credential } = await enrolPasskey(store, 'alice')
    expect(credential).toMatchObject({
      id: authenticator.credentialId,
      approver_id: approver.id,
      counter: 1,
      user_verified: true,
      transports: ['internal'],
      label: 'test key',
    })
    expect(await store.getPasskey(credential.id)).toMatchObject({ approver_id: approver.id })
  })

  it('excludes the approver’s existing passkeys', async () => {
    const { approver, credential } = await enrolPasskey(store, 'alice')
    const options = await passkeyRegistrationOptions(store, rp, approver, NOW)
    expect(options.excludeCredentials?.map((c) => c.id)).toEqual([credential.id])
  })

  it('refuses an authenticator that did not verify the user', async () => {
    const approver = await addApprover(store, 'alice')
    const options = await passkeyRegistrationOptions(store, rp, approver, NOW)
    const response = new SoftAuthenticator(rp.id, rp.origin).register(options, {
      userVerified: false,
    })
    await expect(
      verifyPasskeyRegistration(store, rp, approver, response, NOW),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_USER_NOT_VERIFIED' })
  })

  it('refuses another origin or RP ID', async () => {
    const approver = await addApprover(store, 'alice')
    for (const tamper of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const options = await passkeyRegistrationOptions(store, rp, approver, NOW)
      const response = new SoftAuthenticator(rp.id, rp.origin).register(options, tamper)
      await expect(
        verifyPasskeyRegistration(store, rp, approver, response, NOW),
      ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
    }
  })

  it('refuses a challenge issued to another approver, a used one and an expired one', async () => {
    const alice = await addApprover(store, 'alice')
    const bob = await addApprover(store, 'bob')
    const forBob = await passkeyRegistrationOptions(store, rp, bob, NOW)
    const stolen = new SoftAuthenticator(rp.id, rp.origin).register(forBob)
    await expect(verifyPasskeyRegistration(store, rp, alice, stolen, NOW)).rejects.toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
    })

    const options = await passkeyRegistrationOptions(store, rp, alice, NOW)
    const response = new SoftAuthenticator(rp.id, rp.origin).register(options)
    await verifyPasskeyRegistration(store, rp, alice, response, NOW)
    const again = new SoftAuthenticator(rp.id, rp.origin).register(options)
    await expect(verifyPasskeyRegistration(store, rp, alice, again, NOW)).rejects.toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
    })

    const late = await passkeyRegistrationOptions(store, rp, alice, NOW)
    const lateResponse = new SoftAuthenticator(rp.id, rp.origin).register(late)
    await expect(
      verifyPasskeyRegistration(store, rp, alice, lateResponse, NOW + 5 * 60_000),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses registering the same credential twice', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const options = await passkeyRegistrationOptions(store, rp, approver, NOW)
    await expect(
      verifyPasskeyRegistration(store, rp, approver, authenticator.register(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
  })
})
