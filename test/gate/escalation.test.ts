import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBuiltinApprovalBackend } from '../../src/approval/backend/builtin-approval-backend.js'
import { createEscalator, type EscalatedCall } from '../../src/gate/escalation.js'
import type { Principal } from '../../src/policy/request.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from '../approval/http/approval-harness.js'

const payer: Principal = { user_id: 'pat', roles: ['payer'] }

function call(principal: Principal, args: Record<string, unknown>): EscalatedCall {
  return {
    server: 'payments',
    principal,
    tool: 'transfer_funds',
    args,
    verdict: {
      decisionId: 'd-1',
      decision: {
        effect: 'escalate',
        rule: 'big_transfers',
        policy: 'payments',
        reason: 'matched',
        approval: { action_type: 'purchase', risk_level: 'high', amount: 'tool.args.amount' },
      },
    },
    meta: { method: 'tools/call' },
    signal: new AbortController().signal,
  }
}

describe('the approval step (return mode)', () => {
  let h: ApprovalHarness
  let approver: TotpApprover
  let version = 'v1'

  beforeAll(async () => {
    h = await startApprovalHarness()
    approver = await h.totpApprover('alice')
  })
  afterAll(() => h?.close())

  const escalator = () =>
    createEscalator({
      backend: createBuiltinApprovalBackend(h.server.service),
      wait: 'return',
      policyVersion: () => version,
    })

  async function approve(id: string): Promise<void> {
    const request = await h.server.service.getRequest(id)
    h.clock.now += 30_000
    const response = await approver.call(`/api/v1/inbox/${id}/approve`, {
      totp: await approver.code(),
      content_hash: request.content_hash,
    })
    expect(response.status).toBe(200)
  }

  it('never lets another identity run an approval made for someone else', async () => {
    const step = escalator()
    const args = { amount: 150, recipient: 'acme' }
    const first = await step.escalate(call(payer, args))
    expect(first.kind).toBe('pending')
    await approve(first.kind === 'pending' ? first.approval.id : '')
    const other = await step.escalate(call({ user_id: 'mallory', roles: ['payer'] }, args))
    expect(other.kind).toBe('pending')
    expect(other.kind === 'pending' && other.approval.id).not.toBe(
      first.kind === 'pending' && first.approval.id,
    )
    const own = await step.escalate(call(payer, args))
    expect(own.kind).toBe('run')
  })

  it('refuses an approval made under a policy version that is no longer in force', async () => {
    const step = escalator()
    const args = { amount: 175, recipient: 'acme' }
    const first = await step.escalate(call(payer, args))
    await approve(first.kind === 'pending' ? first.approval.id : '')
    version = 'v2'
    const retry = await step.escalate(call(payer, args))
    expect(retry.kind).not.toBe('run')
    const again = await step.escalate(call(payer, args))
    expect(again.kind).toBe('pending')
    version = 'v1'
  })

  it('refuses arguments that cannot be hashed canonically, without asking anyone', async () => {
    const outcome = await escalator().escalate(call(payer, { amount: 2 ** 60, recipient: 'x' }))
    expect(outcome).toMatchObject({ kind: 'refused', code: 'ERR_APPROVAL_INVALID' })
  })
})
