import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import {
  decodeAttestationObject,
  decodeClientDataJSON,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers'
import { WardenError } from '../../errors.js'
import type { Approver, PasskeyCredential, Store } from '../../store/store.js'
import { challengeHash, randomChallenge, storeChallenge } from './challenge-token.js'
import type { RelyingParty } from './relying-party.js'
import { proofInvalid } from './verify-assertion.js'

/** ES256 first (every platform authenticator has it), then Ed25519 and RS256 (Windows Hello). */
const ALGORITHMS = [-7, -8, -257]

/** Creation options for a new passkey of `approver`: user verification required. */
export async function passkeyRegistrationOptions(
  store: Store,
  rp: RelyingParty,
  approver: Approver,
  now: number,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const challenge = randomChallenge()
  await storeChallenge(
    store,
    'webauthn-register',
    Buffer.from(challenge).toString('base64url'),
    { approver_id: approver.id },
    now,
  )
  const existing = await store.listPasskeys(approver.id)
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: approver.name,
    userDisplayName: approver.name,
    // The user handle is the approver id, so a discoverable login names the approver.
    userID: new TextEncoder().encode(approver.id),
    challenge,
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports,
    })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  })
}

/** Verifies a registration response for `approver` and stores the new passkey. */
export async function verifyPasskeyRegistration(
  store: Store,
  rp: RelyingParty,
  approver: Approver,
  response: RegistrationResponseJSON,
  now: number,
  label?: string,
): Promise<PasskeyCredential> {
  const { challenge, userVerified } = readRegistration(response)
  const hash = challengeHash(challenge)
  const pending = await store.peekToken(hash, 'webauthn-register', now)
  if (!pending || pending.approver_id !== approver.id) {
    throw new WardenError('ERR_CHALLENGE_INVALID', 'registration challenge unknown or expired')
  }
  if (!userVerified) {
    throw new WardenError(
      'ERR_PASSKEY_USER_NOT_VERIFIED',
      'the authenticator did not verify the user (biometric or PIN required)',
    )
  }
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    })
  } catch (error) {
    throw proofInvalid('passkey registration did not verify', error)
  }
  if (!verification.verified) throw proofInvalid('passkey registration did not verify')
  const consumed = await store.consumeToken(hash, 'webauthn-register', now)
  if (!consumed || consumed.approver_id !== approver.id) {
    throw new WardenError('ERR_CHALLENGE_INVALID', 'registration challenge already used')
  }
  const { credential } = verification.registrationInfo
  if (await store.getPasskey(credential.id)) {
    throw proofInvalid('this passkey is already registered')
  }
  const passkey: PasskeyCredential = {
    id: credential.id,
    approver_id: approver.id,
    public_key: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: response.response.transports,
    user_verified: verification.registrationInfo.userVerified,
    created_at: new Date(now).toISOString(),
    label,
  }
  await store.addPasskey(passkey)
  return passkey
}

function readRegistration(response: RegistrationResponseJSON): {
  challenge: string
  userVerified: boolean
} {
  try {
    const clientData = decodeClientDataJSON(response.response.clientDataJSON)
    const attestation = decodeAttestationObject(
      isoBase64URL.toBuffer(response.response.attestationObject),
    )
    const authData = parseAuthenticatorData(attestation.get('authData'))
    if (clientData.type !== 'webauthn.create' || typeof clientData.challenge !== 'string') {
      throw new TypeError('not a registration response')
    }
    return { challenge: clientData.challenge, userVerified: authData.flags.uv }
  } catch (error) {
    throw proofInvalid('passkey registration response is malformed', error)
  }
}
