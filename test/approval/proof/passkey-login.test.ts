import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  passkeyLoginOptions,
  verifyPasskeyLogin,
} from '../../../src/approval/passkey/passkey-login.js'
import type { Store } from '../../../src/store/store.js'
import { enrolPasskey, NOW, openProofStore, rp } from './proof-fixtures.js'
import { SoftAuthenticator } from './soft-authenticator.js'

let store: Store
let dispose: () => Promise<void>
beforeEach(async () => {
  ;({ store, dispose } = await openProofStore())
})
afterEach(async () => {
  await dispose()
})

describe('passkey sign-in', () => {
  it('offers discoverable credentials with user verification required', async () => {
    const options = await passkeyLoginOptions(store, rp, NOW)
    expect(options.rpId).toBe(rp.id)
    expect(options.userVerification).toBe('required')
    expect(options.allowCredentials ?? []).toEqual([])
  })

  it('returns the approver whose passkey signed, once per challenge', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    const options = await passkeyLoginOptions(store, rp, NOW)
    expect(await verifyPasskeyLogin(store, rp, authenticator.assert(options), NOW)).toEqual(
      approver,
    )
    expect((await store.getPasskey(authenticator.credentialId))?.counter).toBe(2)
    await expect(
      verifyPasskeyLogin(store, rp, authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('refuses the passkey of an approver who was removed', async () => {
    const { approver, authenticator } = await enrolPasskey(store, 'alice')
    await store.removeApprover(approver.id, NOW)
    const options = await passkeyLoginOptions(store, rp, NOW)
    await expect(
      verifyPasskeyLogin(store, rp, authenticator.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_APPROVER_NOT_FOUND' })
  })

  it('refuses an unknown passkey, a foreign user handle and an unverified user', async () => {
    const { authenticator } = await enrolPasskey(store, 'alice')
    const options = await passkeyLoginOptions(store, rp, NOW)
    const stranger = new SoftAuthenticator(rp.id, rp.origin)
    await expect(
      verifyPasskeyLogin(store, rp, stranger.assert(options), NOW),
    ).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' })
    const foreign = authenticator.assert(options, {
      userHandle: Buffer.from('apv_someone_else').toString('base64url'),
    })
    await expect(verifyPasskeyLogin(store, rp, foreign, NOW)).rejects.toMatchObject({
      code: 'ERR_PROOF_INVALID',
    })
    await expect(
      verifyPasskeyLogin(store, rp, authenticator.assert(options, { userVerified: false }), NOW),
    ).rejects.toMatchObject({ code: 'ERR_PASSKEY_USER_NOT_VERIFIED' })
  })

  it('refuses a challenge the server never issued', async () => {
    const { authenticator } = await enrolPasskey(store, 'alice')
    const made_up = { challenge: Buffer.alloc(32, 1).toString('base64url') }
    await expect(
      verifyPasskeyLogin(store, rp, authenticator.assert(made_up), NOW),
    ).rejects.toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })
})
