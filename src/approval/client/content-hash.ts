import { canonicalDigest } from '../../audit/canonical-digest.js'
import { WardenError } from '../../errors.js'
import type { ApprovalView } from '../approval-view.js'
import { fingerprint } from '../fingerprint.js'

export { fingerprint }

/**
 * The content hash the service computes for these parameters: hex SHA-256 of their RFC 8785
 * form. Throws ERR_NOT_CANONICALIZABLE for values two parties could read differently.
 */
export function computeContentHash(parameters: unknown): string {
  return canonicalDigest(parameters)
}

/**
 * Checks that the request covers exactly `expectedParameters` (the ones the agent is about to
 * act on): its content hash and its fingerprint match the local computation. Returns the view;
 * throws ERR_APPROVAL_HASH_MISMATCH otherwise.
 */
export function verifyAction(view: ApprovalView, expectedParameters: unknown): ApprovalView {
  const expected = computeContentHash(expectedParameters)
  if (view.content_hash !== expected) {
    throw new WardenError(
      'ERR_APPROVAL_HASH_MISMATCH',
      `approval request ${view.id} covers ${view.content_hash}, not these parameters (${expected})`,
    )
  }
  if (view.fingerprint !== fingerprint(expected)) {
    throw new WardenError(
      'ERR_APPROVAL_HASH_MISMATCH',
      `approval request ${view.id} shows fingerprint ${view.fingerprint}, expected ${fingerprint(expected)}`,
    )
  }
  return view
}
