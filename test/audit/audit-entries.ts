import type { AuditEntry } from '../../src/audit/audit-record.js'

/** A decision entry as the gate would hand it over; `overrides` replace fields. */
export function decisionEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    decision_id: 'dec-1',
    identity: { user_id: 'bob', agent_id: 'claude', roles: ['user'], method: 'api_key' },
    method: 'tools/call',
    target: { tool: 'transfer_funds' },
    arguments: { amount: 500, recipient: 'alice' },
    effect: 'allow',
    rule: 'small-transfers',
    policy: 'payments',
    latency_ms: 1.25,
    time: new Date('2025-06-01T12:00:00.000Z'),
    ...overrides,
  }
}
