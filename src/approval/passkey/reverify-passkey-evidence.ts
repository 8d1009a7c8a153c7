import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server'
import { isoBase64URL } from '@simplewebauthn/server/helpers'
import { canonicalDigest } from '../../audit/canonical-digest.js'
import type { PasskeyCredential } from '../../store/store.js'
import type { ApprovalRequest } from '../approval-request.js'
import { decisionChallenge, nonceDecision, type Decision } from './decision-challenge.js'
import { readAssertion } from './verify-assertion.js'

export type ReverifyResult = { ok: true } | { ok: false; reason: string }

/**
 * Re-checks, without the store, that the request's stored passkey evidence is a valid
 * user-verified signature by `credential` over nonce ‖ the request's content hash, that the
 * hash still matches the parameters, and that the nonce was issued for the recorded decision.
 */
export async function reverifyPasskeyEvidence(
  request: ApprovalRequest,
  credential: PasskeyCredential,
): Promise<ReverifyResult> {
  const evidence = request.evidence
  if (evidence?.method !== 'passkey') return fail('the request carries no passkey evidence')
  if (evidence.credential_id !== credential.id) {
    return fail('the evidence names another passkey')
  }
  let digest: string
  try {
    digest = canonicalDigest(request.parameters)
  } catch (error) {
    return fail(`the parameters cannot be hashed: ${(error as Error).message}`)
  }
  if (digest !== request.content_hash) {
    return fail('the parameters do not match the content hash')
  }
  const decision = nonceDecision(evidence.nonce)
  if (!decision) return fail('the evidence nonce is malformed')
  const resolved = decisionOf(request)
  if (decision !== resolved) {
    return fail(`the passkey signed "${decision}" but the request is ${request.status}`)
  }
  const response = evidence.response as unknown as AuthenticationResponseJSON
  if (response?.id !== credential.id) return fail('the stored response names another passkey')
  try {
    if (readAssertion(response).counter !== evidence.counter) {
      return fail('the stored counter does not match the signed counter')
    }
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: decisionChallenge(
        Buffer.from(evidence.nonce, 'base64url'),
        request.content_hash,
      ),
      expectedOrigin: evidence.origin,
      expectedRPID: evidence.rp_id,
      // Counter 0 turns off the library's "greater than stored" check: the counter was
      // checked against the store when the decision was made; offline only the signature
      // over this challenge matters (and the signed counter equals the recorded one, above).
      credential: {
        id: credential.id,
        publicKey: isoBase64URL.toBuffer(credential.public_key),
        counter: 0,
      },
      requireUserVerification: true,
    })
    if (!result.verified) return fail('the signature does not verify')
    if (!result.authenticationInfo.userVerified) return fail('the user was not verified')
  } catch (error) {
    return fail(`the evidence does not verify: ${(error as Error).message}`)
  }
  return { ok: true }
}

/** approve for approved/executed requests, deny for denied ones. */
function decisionOf(request: ApprovalRequest): Decision | undefined {
  if (request.status === 'approved' || request.status === 'executed') return 'approve'
  if (request.status === 'denied') return 'deny'
  return undefined
}

function fail(reason: string): ReverifyResult {
  return { ok: false, reason }
}
