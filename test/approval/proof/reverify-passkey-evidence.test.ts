import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import {
  passkeyDecisionOptions,
  verifyPasskeyDecision,
} from '../../../src/approval/passkey/passkey-decision.js'
import { reverifyPasskeyEvidence } from '../../../src/approval/passkey/reverify-passkey-evidence.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import type { PasskeyCredential, Store } from '../../../src/store/store.js'
import { addRequest, enrolPasskey, NOW, openProofStore, rp } from './proof-fixtures.js'

let store: Store
let dispose: () => Promise<void>
beforeEach(async () => {
  ;({ store, dispose } = await openProofStore())
})
afterEach(async () => {
  await dispose()
})

/** A request resolved in the store with real passkey evidence, and the passkey. */
async function resolved(
  decision: 'approve' | 'deny',
): Promise<{ request: ApprovalRequest; credential: PasskeyCredential }> {
  const { approver, authenticator, credential } = await enrolPasskey(store, 'alice')
  const pending = await addRequest(store)
  const options = await passkeyDecisionOptions(store, rp, pending, decision, approver, NOW)
  const proof = await verifyPasskeyDecision(
    store,
    rp,
    pending,
    decision,
    authenticator.assert(options),
    NOW,
  )
  const common = {
    id: pending.id,
    now: NOW + 1000,
    resolved_by: approver.id,
    method: 'passkey' as const,
    evidence: proof.evidence,
    expected_content_hash: pending.content_hash,
  }
  const outcome =
    decision === 'approve'
      ? await store.approveRequest({ ...common, spending: [] })
      : await store.denyRequest({ ...common, reason: 'not this month' })
  if (!outcome.ok) throw new Error(`transition refused: ${outcome.reason}`)
  // Offline: read back from the store as `warden approvals verify ID` would.
  const request = await store.getRequest(pending.id, NOW + 2000)
  const stored = await store.getPasskey(credential.id)
  return { request: request!, credential: stored! }
}

describe('reverifyPasskeyEvidence', () => {
  it('accepts the stored evidence of an approval and of a denial', async () => {
    const approved = await resolved('approve')
    expect(approved.request.status).toBe('approved')
    expect(await reverifyPasskeyEvidence(approved.request, approved.credential)).toEqual({
      ok: true,
    })
    await dispose()
    ;({ store, dispose } = await openProofStore())
    const denied = await resolved('deny')
    expect(denied.request.status).toBe('denied')
    expect(await reverifyPasskeyEvidence(denied.request, denied.credential)).toEqual({ ok: true })
  })

  it('fails when the parameters and their hash were altered after approval', async () => {
    const { request, credential } = await resolved('approve')
    const parameters = { action: 'transfer', amount: 25_000, to: 'Mallory' }
    const altered = { ...request, parameters, content_hash: canonicalDigest(parameters) }
    expect(await reverifyPasskeyEvidence(altered, credential)).toMatchObject({ ok: false })
  })

  it('fails when only the parameters were altered', async () => {
    const { request, credential } = await resolved('approve')
    const altered = { ...request, parameters: { action: 'transfer', amount: 25_000 } }
    expect(await reverifyPasskeyEvidence(altered, credential)).toEqual({
      ok: false,
      reason: 'the parameters do not match the content hash',
    })
  })

  it('fails when approval evidence is presented for a denied request', async () => {
    const { request, credential } = await resolved('approve')
    const flipped: ApprovalRequest = { ...request, status: 'denied' }
    expect(await reverifyPasskeyEvidence(flipped, credential)).toMatchObject({ ok: false })
  })

  it('fails for another passkey’s key, a changed counter or a changed origin', async () => {
    const { request, credential } = await resolved('approve')
    const other = await enrolPasskey(store, 'mallory')
    expect(
      await reverifyPasskeyEvidence(request, { ...other.credential, id: credential.id }),
    ).toMatchObject({ ok: false })
    const evidence = request.evidence!
    if (evidence.method !== 'passkey') throw new Error('expected passkey evidence')
    for (const changed of [
      { ...evidence, counter: evidence.counter + 1 },
      { ...evidence, origin: 'https://evil.example' },
      { ...evidence, rp_id: 'evil.example' },
    ]) {
      expect(
        await reverifyPasskeyEvidence({ ...request, evidence: changed }, credential),
      ).toMatchObject({ ok: false })
    }
  })

  it('fails for a request without passkey evidence', async () => {
    const { credential } = await enrolPasskey(store, 'alice')
    const request = await addRequest(store)
    expect(await reverifyPasskeyEvidence(request, credential)).toEqual({
      ok: false,
      reason: 'the request carries no passkey evidence',
    })
  })
})
