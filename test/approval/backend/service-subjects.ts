import { randomBytes } from 'node:crypto'
import type {
  ApprovalBackend,
  BackendApproval,
} from '../../../src/approval/backend/approval-backend.js'
import { createBuiltinApprovalBackend } from '../../../src/approval/backend/builtin-approval-backend.js'
import { createHttpApprovalBackend } from '../../../src/approval/backend/http-approval-backend.js'
import type { ApprovalService } from '../../../src/approval/service/approval-service.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from '../http/approval-harness.js'
import type { BackendSubject } from './contract.js'
import { transferEscalation } from './escalations.js'

/** An approver acting through the service's HTTP inbox API with TOTP, as a person would. */
export function inboxApprover(harness: ApprovalHarness, approver: TotpApprover) {
  async function decide(approval: BackendApproval, decision: 'approve' | 'deny', reason?: string) {
    // A TOTP step works once per approver: every decision takes the next one.
    harness.clock.now += 30_000
    const response = await approver.call(`/api/v1/inbox/${approval.id}/${decision}`, {
      totp: await approver.code(),
      content_hash: approval.content_hash,
      ...(reason !== undefined ? { reason } : {}),
    })
    if (response.status !== 200) throw new Error(`${decision} failed: ${await response.text()}`)
  }
  return {
    approve: (approval: BackendApproval) => decide(approval, 'approve'),
    deny: (approval: BackendApproval, reason: string) => decide(approval, 'deny', reason),
    /** Moves the service's clock past the request's expiry. */
    async expire(approval: BackendApproval) {
      harness.clock.now = Date.parse(approval.expires_at!) + 1000
    },
  }
}

export type BackendOn = (
  harness: ApprovalHarness,
  service: ApprovalService,
) => Promise<ApprovalBackend>

/** The built-in service in-process: the harness's own service. */
export const builtinOn: BackendOn = async (_harness, service) =>
  createBuiltinApprovalBackend(service)

/** The same service over its HTTP agent API, with an agent key of its own. */
export const wardenHttpOn: BackendOn = async (harness) =>
  createHttpApprovalBackend({
    flavor: 'warden',
    baseUrl: harness.url,
    apiKey: await harness.agentKey(`warden-proxy-${randomBytes(3).toString('hex')}`),
  })

/** A backend against a fresh SQLite-backed approval server, approved through its inbox API. */
export async function serviceSubject(backendOn: BackendOn): Promise<BackendSubject> {
  const harness = await startApprovalHarness()
  const approver = inboxApprover(harness, await harness.totpApprover('ada'))
  return {
    backend: await backendOn(harness, harness.server.service),
    ...approver,
    async unreachable() {
      const doomed = await startApprovalHarness()
      const backend = await backendOn(doomed, doomed.server.service)
      const approval = await backend.create(transferEscalation())
      await doomed.close()
      return { backend, approval }
    },
    close: () => harness.close(),
  }
}
