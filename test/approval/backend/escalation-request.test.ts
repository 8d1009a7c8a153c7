import { describe, expect, it } from 'vitest'
import {
  escalationRequestFor,
  expirySeconds,
  type EscalationInput,
} from '../../../src/approval/backend/escalation-request.js'
import type { ApprovalSpec } from '../../../src/policy/schema.js'

function input(approval: ApprovalSpec, args: Record<string, unknown> = {}): EscalationInput {
  return {
    approval,
    rule: 'big-transfers',
    policyVersion: 'v7',
    tool: 'transfer_funds',
    args,
    parameters: {
      server: 'payments',
      tool: 'transfer_funds',
      arguments: args,
      principal: { user_id: 'bob', agent_id: 'claude' },
    },
    createdBy: 'claude',
  }
}

const codeOf = (build: () => unknown): string | undefined => {
  try {
    build()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('escalationRequestFor', () => {
  it("builds the request from the rule's approval block and the call", () => {
    const args = { amount: 250.5, recipient: 'alice@example.com' }
    const request = escalationRequestFor(
      input(
        {
          action_type: 'purchase',
          risk_level: 'critical',
          amount: 'tool.args.amount',
          currency: 'usd',
          recipient: 'tool.args.recipient',
          title: 'Transfer {tool.args.amount} to {tool.args.recipient}',
          description: '{user.user_id} asks to transfer {tool.args.amount} USD',
          timeout: '5m',
        },
        args,
      ),
    )
    expect(request).toEqual({
      action_type: 'purchase',
      title: 'Transfer 250.5 to alice@example.com',
      description: 'bob asks to transfer 250.5 USD',
      risk_level: 'critical',
      amount: 250.5,
      currency: 'USD',
      recipient: 'alice@example.com',
      parameters: {
        server: 'payments',
        tool: 'transfer_funds',
        arguments: args,
        principal: { user_id: 'bob', agent_id: 'claude' },
      },
      created_by: 'claude',
      rule: 'big-transfers',
      policy_version: 'v7',
      expires_in: 300,
    })
  })

  it('uses the documented defaults for an escalate rule without an approval block', () => {
    const request = escalationRequestFor(input({}, { path: '/etc/hosts' }))
    expect(request).toMatchObject({
      action_type: 'system',
      risk_level: 'high',
      title: 'Call transfer_funds on payments',
      expires_in: 300,
    })
    expect(request).not.toHaveProperty('amount')
    expect(request).not.toHaveProperty('description')
  })

  it('takes a literal recipient and a literal amount as written', () => {
    const request = escalationRequestFor(input({ recipient: 'Acme Corp', amount: 12 }))
    expect(request).toMatchObject({ recipient: 'Acme Corp', amount: 12 })
  })

  it('refuses when the amount path does not lead to a non-negative number', () => {
    const spec: ApprovalSpec = { amount: 'tool.args.amount' }
    expect(codeOf(() => escalationRequestFor(input(spec, {})))).toBe('ERR_APPROVAL_INVALID')
    expect(codeOf(() => escalationRequestFor(input(spec, { amount: '500' })))).toBe(
      'ERR_APPROVAL_INVALID',
    )
    expect(codeOf(() => escalationRequestFor(input(spec, { amount: -5 })))).toBe(
      'ERR_APPROVAL_INVALID',
    )
  })

  it('refuses a currency that is not an ISO 4217 code', () => {
    expect(codeOf(() => escalationRequestFor(input({ currency: 'dollars' })))).toBe(
      'ERR_APPROVAL_INVALID',
    )
  })

  it('refuses parameters that have no canonical JSON form', () => {
    expect(codeOf(() => escalationRequestFor(input({}, { id: 2 ** 60 })))).toBe(
      'ERR_APPROVAL_INVALID',
    )
  })

  it('keeps the parameters as the JSON that goes on the wire', () => {
    const request = escalationRequestFor(input({}, { a: 1, gone: undefined }))
    expect(request.parameters).toEqual({
      server: 'payments',
      tool: 'transfer_funds',
      arguments: { a: 1 },
      principal: { user_id: 'bob', agent_id: 'claude' },
    })
  })
})

describe('expirySeconds', () => {
  it('reads durations and bare seconds, clamped to what the service accepts', () => {
    expect(expirySeconds(undefined)).toBe(300)
    expect(expirySeconds('90s')).toBe(90)
    expect(expirySeconds('15500ms')).toBe(16)
    expect(expirySeconds('1h')).toBe(3600)
    expect(expirySeconds(45)).toBe(45)
    expect(expirySeconds('1s')).toBe(10)
    expect(expirySeconds('2d')).toBe(86_400)
  })
})
