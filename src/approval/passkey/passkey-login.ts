import {
  generateAuthenticationOptions,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import type { Approver, Store } from '../../store/store.js'
import { challengeHash, randomChallenge, storeChallenge } from './challenge-token.js'
import type { RelyingParty } from './relying-party.js'
import {
  commitCounter,
  credentialFor,
  proofInvalid,
  readAssertion,
  verifyAssertion,
} from './verify-assertion.js'

/** Sign-in options: discoverable credentials, so the approver picks a passkey, not a name. */
export async function passkeyLoginOptions(
  store: Store,
  rp: RelyingParty,
  now: number,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = randomChallenge()
  await storeChallenge(
    store,
    'webauthn-login',
    Buffer.from(challenge).toString('base64url'),
    {},
    now,
  )
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge,
    allowCredentials: [],
    userVerification: 'required',
  })
}

/** Verifies a sign-in assertion (consuming its challenge) and returns the passkey's approver. */
export async function verifyPasskeyLogin(
  store: Store,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  now: number,
): Promise<Approver> {
  const credential = await credentialFor(store, response)
  const claims = readAssertion(response)
  if (claims.type !== 'webauthn.get') throw proofInvalid('not a WebAuthn assertion')
  const userHandle = response.response.userHandle
  if (userHandle && userHandle !== Buffer.from(credential.approver_id).toString('base64url')) {
    throw proofInvalid('the passkey user handle names another approver')
  }
  const counter = await verifyAssertion({
    response,
    claims,
    credential,
    rp,
    expectedChallenge: claims.challenge,
  })
  if (!(await store.consumeToken(challengeHash(claims.challenge), 'webauthn-login', now))) {
    throw new WardenError('ERR_CHALLENGE_INVALID', 'sign-in challenge unknown, used or expired')
  }
  await commitCounter(store, credential, counter)
  const approver = await store.getApprover(credential.approver_id)
  if (!approver) throw new WardenError('ERR_APPROVER_NOT_FOUND', 'the passkey has no approver')
  return approver
}
