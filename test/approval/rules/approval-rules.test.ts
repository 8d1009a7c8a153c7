import { describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { NO_RULES } from '../../../src/approval/rules/approval-rules.js'
import { parseApprovalRules } from '../../../src/approval/rules/parse-approval-rules.js'

type Subject = Pick<ApprovalRequest, 'action_type' | 'risk_level' | 'amount' | 'created_by'>

const subject = (over: Partial<Subject> = {}): Subject => ({
  action_type: 'purchase',
  risk_level: 'medium',
  amount: 5,
  created_by: 'bot-shopper',
  ...over,
})

const rules = parseApprovalRules(
  `kind: approval-rules
rules:
  - name: small-purchases
    effect: auto_approve
    action_types: [purchase]
    risk_levels: [low, medium]
    max_amount: 10
    agents: ["bot-*"]
  - name: huge
    effect: auto_deny
    min_amount: 1000
  - name: band
    effect: auto_approve
    action_types: [purchase]
    min_amount: 20
    max_amount: 30
  - name: exact-agent
    effect: auto_deny
    action_types: [system]
    agents: [root-agent]
  - name: all-critical
    effect: auto_deny
    risk_levels: [critical]
`,
  'rules.yaml',
)

describe('ApprovalRules.decide', () => {
  it('returns the first matching rule in file order', () => {
    expect(rules.decide(subject())).toEqual({ effect: 'auto_approve', rule: 'small-purchases' })
    expect(rules.decide(subject({ amount: 5000, risk_level: 'critical' }))).toEqual({
      effect: 'auto_deny',
      rule: 'huge',
    })
  })

  it('treats max_amount and min_amount as inclusive bounds', () => {
    expect(rules.decide(subject({ amount: 10 }))?.rule).toBe('small-purchases')
    expect(rules.decide(subject({ amount: 10.01 }))).toBeUndefined()
    expect(rules.decide(subject({ amount: 1000, created_by: 'alice' }))?.rule).toBe('huge')
    expect(rules.decide(subject({ amount: 999.99, created_by: 'alice' }))).toBeUndefined()
    expect(rules.decide(subject({ amount: 20, created_by: 'alice' }))?.rule).toBe('band')
    expect(rules.decide(subject({ amount: 30, created_by: 'alice' }))?.rule).toBe('band')
    expect(rules.decide(subject({ amount: 31, created_by: 'alice' }))).toBeUndefined()
  })

  it('never matches an amount bound when the request has no amount', () => {
    expect(rules.decide(subject({ amount: undefined }))).toBeUndefined()
  })

  it('matches agents by glob and by exact name', () => {
    expect(rules.decide(subject({ created_by: 'alice' }))).toBeUndefined()
    expect(rules.decide(subject({ created_by: 'bot-' }))?.rule).toBe('small-purchases')
    expect(rules.decide(subject({ created_by: 'bot-a/b' }))).toBeUndefined()
    const system = { action_type: 'system', risk_level: 'high', amount: undefined } as const
    expect(rules.decide(subject({ ...system, created_by: 'root-agent' }))?.rule).toBe('exact-agent')
    expect(rules.decide(subject({ ...system, created_by: 'root-agent2' }))).toBeUndefined()
  })

  it('filters by action type and risk level', () => {
    expect(rules.decide(subject({ action_type: 'social' }))).toBeUndefined()
    expect(rules.decide(subject({ risk_level: 'high' }))).toBeUndefined()
    expect(rules.decide(subject({ action_type: 'legal', risk_level: 'critical' }))?.rule).toBe(
      'all-critical',
    )
  })

  it('leaves every request to a human with NO_RULES', () => {
    expect(NO_RULES.decide(subject())).toBeUndefined()
    expect(NO_RULES.rules).toEqual([])
  })

  it('exposes the rules in evaluation order', () => {
    expect(rules.rules.map((r) => r.name)).toEqual([
      'small-purchases',
      'huge',
      'band',
      'exact-agent',
      'all-critical',
    ])
  })
})
