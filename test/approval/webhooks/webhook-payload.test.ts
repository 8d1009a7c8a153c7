import { describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { webhookPayload } from '../../../src/approval/webhooks/webhook-payload.js'

const request: ApprovalRequest = {
  id: 'apr_x',
  created_by: 'bot-1',
  action_type: 'purchase',
  title: 'Buy paper',
  risk_level: 'medium',
  amount: 12.5,
  currency: 'EUR',
  parameters: { item: 'paper' },
  content_hash: '3fa90c12' + '0'.repeat(56),
  created_at: '2025-06-18T10:00:00.000Z',
  expires_at: '2025-06-18T10:05:00.000Z',
  status: 'approved',
  resolved_at: '2025-06-18T10:01:00.000Z',
  resolved_by: 'apv_alice',
  method: 'totp',
  evidence: { method: 'totp', time_step: 58_333_360 },
}

describe('webhookPayload', () => {
  it('sends the event, the time and the ApprovalView without evidence', () => {
    const body = JSON.parse(
      webhookPayload(
        'approval.approved',
        request,
        Date.parse('2025-06-18T10:01:02Z'),
        'https://w.example/',
      ),
    ) as Record<string, unknown> & { action: Record<string, unknown> }
    expect(body.event).toBe('approval.approved')
    expect(body.sent_at).toBe('2025-06-18T10:01:02.000Z')
    expect(body.action).toMatchObject({
      id: 'apr_x',
      status: 'approved',
      method: 'totp',
      amount: 12.5,
      parameters: { item: 'paper' },
      fingerprint: '3FA9 0C12',
      approval_url: 'https://w.example/actions/apr_x',
    })
    expect(body.action).not.toHaveProperty('evidence')
  })

  it('gives a relative approval_url without a public URL', () => {
    const body = JSON.parse(webhookPayload('approval.approved', request, 0)) as {
      action: { approval_url: string }
    }
    expect(body.action.approval_url).toBe('/actions/apr_x')
  })
})
