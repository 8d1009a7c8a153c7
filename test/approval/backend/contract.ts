import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import { fingerprint } from '../../../src/approval/fingerprint.js'
import type {
  ApprovalBackend,
  BackendApproval,
} from '../../../src/approval/backend/approval-backend.js'
import { transferEscalation } from './escalations.js'

export { transferEscalation }

/** One backend under test, with a way for the test to act as the approver. */
export interface BackendSubject {
  backend: ApprovalBackend
  approve(approval: BackendApproval): Promise<void>
  deny(approval: BackendApproval, reason: string): Promise<void>
  /** Lets the request's expiry pass (moves the service's clock, or expires it at the source). */
  expire(approval: BackendApproval): Promise<void>
  /** A backend of the same kind holding `approval`, whose service has then gone away. */
  unreachable(): Promise<{ backend: ApprovalBackend; approval: BackendApproval }>
  close(): Promise<void>
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
  return 'resolved'
}

/** The behaviour every ApprovalBackend owes the bridge. */
export function approvalBackendContract(name: string, open: () => Promise<BackendSubject>): void {
  describe(`${name}: ApprovalBackend contract`, () => {
    let subject: BackendSubject
    let backend: ApprovalBackend
    const created = async (request = transferEscalation()) => backend.create(request)
    const approved = async () => {
      const approval = await created()
      await subject.approve(approval)
      return approval
    }

    beforeAll(async () => {
      subject = await open()
      backend = subject.backend
    })
    afterAll(async () => {
      await subject?.close()
    })

    it('creates a pending request bound to the hash of its parameters', async () => {
      const request = transferEscalation()
      const approval = await backend.create(request)
      const hash = canonicalDigest(request.parameters)
      expect(approval).toMatchObject({
        status: 'pending',
        content_hash: hash,
        fingerprint: fingerprint(hash),
        rule: 'big-transfers',
        policy_version: 'policy-v1',
      })
      expect(Date.parse(approval.expires_at!)).toBeGreaterThan(0)
      expect(await backend.get(approval.id)).toMatchObject({
        id: approval.id,
        status: 'pending',
        content_hash: hash,
      })
    })

    it('wakes a waiting call when the approver approves', async () => {
      const approval = await created()
      let settled = false
      const waiting = backend.wait(approval.id, 20_000).finally(() => (settled = true))
      await sleep(100)
      expect(settled).toBe(false)
      await subject.approve(approval)
      expect(await waiting).toMatchObject({ id: approval.id, status: 'approved' })
    })

    it('returns the request still pending when the wait times out', async () => {
      const approval = await created()
      expect((await backend.wait(approval.id, 100)).status).toBe('pending')
      expect((await backend.wait(approval.id, 0)).status).toBe('pending')
    })

    it('returns the request as it stands when the caller aborts the wait', async () => {
      const approval = await created()
      const controller = new AbortController()
      const waiting = backend.wait(approval.id, 20_000, controller.signal)
      await sleep(50)
      controller.abort()
      expect((await waiting).status).toBe('pending')
    })

    it('lets exactly one of 20 concurrent claims run the approved call', async () => {
      const approval = await approved()
      const claims = await Promise.allSettled(
        Array.from({ length: 20 }, () => backend.claim(approval.id, approval.content_hash)),
      )
      const won = claims.filter((claim) => claim.status === 'fulfilled')
      expect(won).toHaveLength(1)
      expect((won[0] as PromiseFulfilledResult<BackendApproval>).value.status).toBe('executed')
      const lost = claims.filter((claim) => claim.status === 'rejected')
      expect(new Set(lost.map((claim) => (claim.reason as { code: string }).code))).toEqual(
        new Set(['ERR_APPROVAL_ALREADY_EXECUTED']),
      )
      expect((await backend.get(approval.id)).status).toBe('executed')
      expect(await codeOf(backend.claim(approval.id, approval.content_hash))).toBe(
        'ERR_APPROVAL_ALREADY_EXECUTED',
      )
    })

    it('refuses a claim for other arguments, and still runs the approved ones once', async () => {
      const approval = await approved()
      const other = canonicalDigest(transferEscalation().parameters)
      expect(await codeOf(backend.claim(approval.id, other))).toBe('ERR_APPROVAL_HASH_MISMATCH')
      expect((await backend.claim(approval.id, approval.content_hash)).status).toBe('executed')
    })

    it('refuses to claim a request nobody has approved', async () => {
      const approval = await created()
      expect(await codeOf(backend.claim(approval.id, approval.content_hash))).toBe(
        'ERR_APPROVAL_NOT_APPROVED',
      )
    })

    it('withdraws a pending request on cancel, after which it cannot be claimed', async () => {
      const approval = await created()
      await backend.cancel(approval.id)
      expect(await backend.get(approval.id)).toMatchObject({
        status: 'denied',
        deny_reason: 'withdrawn',
      })
      expect(await codeOf(backend.claim(approval.id, approval.content_hash))).toBe(
        'ERR_APPROVAL_DENIED',
      )
      await backend.cancel(approval.id)
    })

    it('does not undo an approval when a cancel comes too late', async () => {
      const approval = await approved()
      await backend.cancel(approval.id)
      expect((await backend.claim(approval.id, approval.content_hash)).status).toBe('executed')
      await backend.cancel(approval.id)
    })

    it("reports a denial with the approver's reason", async () => {
      const approval = await created()
      const waiting = backend.wait(approval.id, 20_000)
      await subject.deny(approval, 'not this quarter')
      expect(await waiting).toMatchObject({ status: 'denied', deny_reason: 'not this quarter' })
      expect(await codeOf(backend.claim(approval.id, approval.content_hash))).toBe(
        'ERR_APPROVAL_DENIED',
      )
    })

    it('treats an expired request as refused', async () => {
      const approval = await created()
      await subject.expire(approval)
      expect((await backend.wait(approval.id, 20_000)).status).toBe('expired')
      expect((await backend.get(approval.id)).status).toBe('expired')
      expect(await codeOf(backend.claim(approval.id, approval.content_hash))).toBe(
        'ERR_APPROVAL_EXPIRED',
      )
    })

    it('answers ERR_APPROVAL_NOT_FOUND for a request it does not know', async () => {
      expect(await codeOf(backend.get('apr_AAAAAAAAAAAAAAAAAAAAAA'))).toBe('ERR_APPROVAL_NOT_FOUND')
    })

    it('takes the result of an executed call', async () => {
      const approval = await approved()
      await backend.claim(approval.id, approval.content_hash)
      await expect(backend.reportResult(approval.id, 'succeeded')).resolves.toBeUndefined()
    })

    it('fails closed with ERR_APPROVAL_BACKEND_UNAVAILABLE when the backend is down', async () => {
      const { backend: down, approval } = await subject.unreachable()
      const unavailable = 'ERR_APPROVAL_BACKEND_UNAVAILABLE'
      expect(await codeOf(down.create(transferEscalation()))).toBe(unavailable)
      expect(await codeOf(down.get(approval.id))).toBe(unavailable)
      expect(await codeOf(down.wait(approval.id, 1000))).toBe(unavailable)
      expect(await codeOf(down.claim(approval.id, approval.content_hash))).toBe(unavailable)
      await down.close?.()
    })
  })
}
