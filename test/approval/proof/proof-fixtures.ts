import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApprovalRequest, JsonValue } from '../../../src/approval/approval-request.js'
import {
  passkeyRegistrationOptions,
  verifyPasskeyRegistration,
} from '../../../src/approval/passkey/passkey-registration.js'
import { relyingPartyFrom, type RelyingParty } from '../../../src/approval/passkey/relying-party.js'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import { newId } from '../../../src/store/ids.js'
import { openStore } from '../../../src/store/open-store.js'
import type { Approver, PasskeyCredential, Store } from '../../../src/store/store.js'
import { SoftAuthenticator } from './soft-authenticator.js'

/** A fixed clock: 2026-03-02T10:00:00Z. */
export const NOW = Date.UTC(2026, 2, 2, 10, 0, 0)

export const rp: RelyingParty = relyingPartyFrom('https://warden.example.test')

/** A real SQLite store in a fresh temp directory; `dispose` closes and deletes it. */
export async function openProofStore(): Promise<{ store: Store; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-proof-'))
  const store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
  return {
    store,
    async dispose() {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export async function addApprover(store: Store, name: string): Promise<Approver> {
  return store.createApprover({ id: newId('apv'), name, role: 'approver', now: NOW })
}

export async function addRequest(
  store: Store,
  parameters: JsonValue = { action: 'transfer', amount: 250, to: 'ACME Ltd' },
): Promise<ApprovalRequest> {
  return store.createRequest({
    id: newId('apr'),
    created_by: 'bot-1',
    action_type: 'purchase',
    title: 'Pay ACME',
    risk_level: 'medium',
    amount: 250,
    currency: 'EUR',
    parameters,
    content_hash: canonicalDigest(parameters),
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 3_600_000).toISOString(),
  })
}

/** An approver with a registered software passkey. */
export async function enrolPasskey(
  store: Store,
  name: string,
  options: { counter?: number; counterless?: boolean } = {},
): Promise<{
  approver: Approver
  authenticator: SoftAuthenticator
  credential: PasskeyCredential
}> {
  const approver = await addApprover(store, name)
  const authenticator = new SoftAuthenticator(rp.id, rp.origin, options)
  const creation = await passkeyRegistrationOptions(store, rp, approver, NOW)
  const credential = await verifyPasskeyRegistration(
    store,
    rp,
    approver,
    authenticator.register(creation),
    NOW,
    'test key',
  )
  return { approver, authenticator, credential }
}
