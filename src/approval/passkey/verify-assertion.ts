import { createHash } from 'node:crypto'
import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server'
import {
  decodeClientDataJSON,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers'
import { WardenError } from '../../errors.js'
import type { PasskeyCredential, Store } from '../../store/store.js'
import type { RelyingParty } from './relying-party.js'

/** What an assertion claims, read before any signature is checked (to pick precise errors). */
export interface AssertionClaims {
  type: string
  challenge: string
  origin: string
  rpIdHash: Uint8Array
  userPresent: boolean
  userVerified: boolean
  counter: number
}

/** Reads clientDataJSON and authenticatorData; malformed input is ERR_PROOF_INVALID. */
export function readAssertion(response: AuthenticationResponseJSON): AssertionClaims {
  try {
    const { clientDataJSON, authenticatorData } = response.response
    if (typeof clientDataJSON !== 'string' || typeof authenticatorData !== 'string') {
      throw new TypeError('clientDataJSON and authenticatorData must be strings')
    }
    const clientData = decodeClientDataJSON(clientDataJSON)
    const authData = parseAuthenticatorData(isoBase64URL.toBuffer(authenticatorData))
    if (typeof clientData.challenge !== 'string' || typeof clientData.origin !== 'string') {
      throw new TypeError('clientDataJSON lacks challenge or origin')
    }
    return {
      type: clientData.type,
      challenge: clientData.challenge,
      origin: clientData.origin,
      rpIdHash: authData.rpIdHash,
      userPresent: authData.flags.up,
      userVerified: authData.flags.uv,
      counter: authData.counter,
    }
  } catch (error) {
    throw new WardenError('ERR_PROOF_INVALID', 'passkey response is malformed', { cause: error })
  }
}

/**
 * Checks origin, RP ID, the user-verified flag and the counter (each with its own code), then
 * has @simplewebauthn/server verify the whole assertion and its signature. Returns the new
 * counter; the caller commits it with `commitCounter` once the challenge is consumed.
 */
export async function verifyAssertion(input: {
  response: AuthenticationResponseJSON
  claims: AssertionClaims
  credential: PasskeyCredential
  rp: RelyingParty
  expectedChallenge: string
}): Promise<number> {
  const { response, claims, credential, rp } = input
  if (claims.origin !== rp.origin) {
    throw proofInvalid(`passkey response is from origin ${claims.origin}, expected ${rp.origin}`)
  }
  const rpIdHash = createHash('sha256').update(rp.id, 'utf8').digest()
  if (!rpIdHash.equals(Buffer.from(claims.rpIdHash))) {
    throw proofInvalid(`passkey response is not for RP ID ${rp.id}`)
  }
  if (!claims.userVerified) {
    throw new WardenError(
      'ERR_PASSKEY_USER_NOT_VERIFIED',
      'the authenticator did not verify the user (biometric or PIN required)',
    )
  }
  if (counterRegressed(claims.counter, credential.counter)) {
    throw counterError(claims.counter, credential.counter)
  }
  let verified: boolean
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: credential.id,
        publicKey: isoBase64URL.toBuffer(credential.public_key),
        counter: credential.counter,
        transports: credential.transports,
      },
      requireUserVerification: true,
    })
    verified = result.verified && result.authenticationInfo.userVerified
  } catch (error) {
    throw proofInvalid('passkey response did not verify', error)
  }
  if (!verified) throw proofInvalid('passkey signature did not verify')
  return claims.counter
}

/**
 * Stores the new signature counter by compare-and-set, so two assertions racing on one
 * credential cannot both pass. Authenticators that keep no counter (synced passkeys) report 0.
 */
export async function commitCounter(
  store: Store,
  credential: PasskeyCredential,
  next: number,
): Promise<void> {
  if (next === 0 && credential.counter === 0) return
  if (!(await store.updatePasskeyCounter(credential.id, credential.counter, next))) {
    throw counterError(next, credential.counter)
  }
}

/** WebAuthn §7.2 step 22: when either counter is non-zero the new one must be greater. */
function counterRegressed(next: number, stored: number): boolean {
  return (next > 0 || stored > 0) && next <= stored
}

function counterError(next: number, stored: number): WardenError {
  return new WardenError(
    'ERR_PASSKEY_COUNTER',
    `passkey signature counter ${next} did not increase past ${stored} (cloned authenticator?)`,
  )
}

export function proofInvalid(message: string, cause?: unknown): WardenError {
  return new WardenError('ERR_PROOF_INVALID', message, cause === undefined ? undefined : { cause })
}

/** The passkey a response names, or ERR_PROOF_INVALID. */
export async function credentialFor(
  store: Store,
  response: AuthenticationResponseJSON,
): Promise<PasskeyCredential> {
  const id = typeof response?.id === 'string' ? response.id : undefined
  const credential = id ? await store.getPasskey(id) : undefined
  if (!credential) throw proofInvalid('unknown passkey')
  return credential
}
