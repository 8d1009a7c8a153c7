import {
  generateAuthenticationOptions,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import type { Approver, Store } from '../../store/store.js'
import type { ApprovalEvidence, ApprovalRequest, JsonValue } from '../approval-request.js'
import { challengeHash, storeChallenge } from './challenge-token.js'
import {
  decisionChallenge,
  decisionNonce,
  splitDecisionChallenge,
  type Decision,
} from './decision-challenge.js'
import type { RelyingParty } from './relying-party.js'
import {
  commitCounter,
  credentialFor,
  proofInvalid,
  readAssertion,
  verifyAssertion,
} from './verify-assertion.js'

/**
 * Options for signing one decision on one request. The challenge commits to the request's
 * content hash; its nonce is a one-time token bound to the request, the hash and the decision
 * (and to the approver, when the caller knows who is signing).
 */
export async function passkeyDecisionOptions(
  store: Store,
  rp: RelyingParty,
  request: ApprovalRequest,
  decision: Decision,
  approver: Approver | undefined,
  now: number,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const nonce = decisionNonce(decision)
  const challenge = decisionChallenge(nonce, request.content_hash)
  await storeChallenge(
    store,
    'webauthn-approve',
    Buffer.from(nonce).toString('base64url'),
    {
      approver_id: approver?.id,
      request_id: request.id,
      content_hash: request.content_hash,
      data: { decision },
    },
    now,
  )
  const passkeys = approver ? await store.listPasskeys(approver.id) : []
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: Buffer.from(challenge, 'base64url'),
    allowCredentials: passkeys.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports,
    })),
    userVerification: 'required',
  })
}

/**
 * Verifies a decision's passkey assertion against the *stored* request: signature, user
 * verification, origin, RP ID, counter, that the challenge commits to request.content_hash,
 * and that its nonce was issued for this request and decision (consuming it).
 */
export async function verifyPasskeyDecision(
  store: Store,
  rp: RelyingParty,
  request: ApprovalRequest,
  decision: Decision,
  response: AuthenticationResponseJSON,
  now: number,
): Promise<{ approver: Approver; evidence: ApprovalEvidence }> {
  const credential = await credentialFor(store, response)
  const claims = readAssertion(response)
  if (claims.type !== 'webauthn.get') throw proofInvalid('not a WebAuthn assertion')
  const parts = splitDecisionChallenge(claims.challenge)
  if (!parts) throw challengeInvalid('the challenge is not an approval challenge')
  if (parts.decision !== decision) {
    throw challengeInvalid(`the challenge was issued for another decision than ${decision}`)
  }
  if (parts.content_hash !== request.content_hash) {
    throw new WardenError(
      'ERR_APPROVAL_HASH_MISMATCH',
      'the passkey signed other parameters than the request now holds',
    )
  }
  const counter = await verifyAssertion({
    response,
    claims,
    credential,
    rp,
    // Rebuilt from the stored hash: the signature must cover exactly this request's content.
    expectedChallenge: decisionChallenge(
      Buffer.from(parts.nonce, 'base64url'),
      request.content_hash,
    ),
  })
  const token = await store.consumeToken(challengeHash(parts.nonce), 'webauthn-approve', now)
  if (
    !token ||
    token.request_id !== request.id ||
    token.content_hash !== request.content_hash ||
    token.data?.['decision'] !== decision
  ) {
    throw challengeInvalid('the challenge is unknown, used, expired or for another request')
  }
  if (token.approver_id !== undefined && token.approver_id !== credential.approver_id) {
    throw proofInvalid('the passkey belongs to another approver than the one signed in')
  }
  await commitCounter(store, credential, counter)
  const approver = await store.getApprover(credential.approver_id)
  if (!approver) throw new WardenError('ERR_APPROVER_NOT_FOUND', 'the passkey has no approver')
  return {
    approver,
    evidence: {
      method: 'passkey',
      credential_id: credential.id,
      nonce: parts.nonce,
      response: JSON.parse(JSON.stringify(response)) as JsonValue,
      origin: claims.origin,
      rp_id: rp.id,
      counter,
    },
  }
}

function challengeInvalid(message: string): WardenError {
  return new WardenError('ERR_CHALLENGE_INVALID', message)
}
