import type { EscalationRequest } from '../../../src/approval/backend/approval-backend.js'
import { escalationRequestFor } from '../../../src/approval/backend/escalation-request.js'

let serial = 0

/** An escalated transfer; each call's arguments differ, so each request has its own hash. */
export function transferEscalation(amount = 500): EscalationRequest {
  serial += 1
  const args = { amount, to: `alice-${serial}@example.com` }
  return escalationRequestFor({
    approval: {
      action_type: 'purchase',
      risk_level: 'high',
      amount: 'tool.args.amount',
      currency: 'USD',
      title: 'Transfer {tool.args.amount} to {tool.args.to}',
      timeout: '5m',
    },
    rule: 'big-transfers',
    policyVersion: 'policy-v1',
    tool: 'transfer_funds',
    args,
    parameters: {
      server: 'payments',
      tool: 'transfer_funds',
      arguments: args,
      principal: { user_id: 'bob', agent_id: 'claude' },
    },
    createdBy: 'claude',
  })
}
