import { describe, expect, it } from 'vitest'
import { memoryAuditLog } from '../../src/audit/memory-audit-log.js'
import { denialError, denialMessage } from '../../src/gate/denial.js'
import { createGate } from '../../src/gate/gate.js'
import { sameIdentity } from '../../src/gate/session-identity.js'
import { compilePolicies } from '../../src/policy/compile.js'
import type { PolicySet } from '../../src/policy/policy-set.js'

const allowMars = compilePolicies([
  {
    name: 'weather',
    rules: [
      {
        name: 'mars_for_users',
        effect: 'allow',
        agents: { roles: ['user'] },
        tools: { names: ['mars'] },
      },
    ],
  },
])
const denyAll = compilePolicies([{ name: 'closed', rules: [] }])
const bob = { user_id: 'bob', roles: ['user'] }
const meta = { method: 'tools/call', sessionId: 's1' }

describe('createGate', () => {
  it('decides with the policies and gives each decision a fresh id', async () => {
    const gate = createGate({ policies: allowMars })
    const first = await gate.authorize(
      bob,
      { action: 'call', user: bob, tool: { name: 'mars' } },
      meta,
    )
    const second = await gate.authorize(
      bob,
      { action: 'call', user: bob, tool: { name: 'mars' } },
      meta,
    )
    expect(first.decision).toMatchObject({ effect: 'allow', rule: 'mars_for_users' })
    expect(first.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(second.decisionId).not.toBe(first.decisionId)
  })

  it('judges the principal it is given, not one smuggled into the request', async () => {
    const gate = createGate({ policies: allowMars })
    const verdict = await gate.authorize(
      { roles: ['intern'] },
      { action: 'call', user: bob, tool: { name: 'mars' } },
      meta,
    )
    expect(verdict.decision.effect).toBe('deny')
  })

  it('reads the policy getter on every decision, so a reload takes effect at once', async () => {
    let current: PolicySet = allowMars
    const gate = createGate({ policies: () => current })
    const ask = () =>
      gate.authorize(bob, { action: 'call', user: bob, tool: { name: 'mars' } }, meta)
    expect((await ask()).decision.effect).toBe('allow')
    current = denyAll
    expect((await ask()).decision.effect).toBe('deny')
  })

  it('filters a list and audits it once', async () => {
    const audit = memoryAuditLog()
    const gate = createGate({ policies: allowMars, audit })
    const visible = await gate.filterList(bob, ['mars', 'saturn'], (name) => ({ tool: { name } }), {
      method: 'tools/list',
    })
    expect(visible).toEqual(['mars'])
    expect(audit.records).toHaveLength(1)
    expect(audit.records[0]).toMatchObject({ detail: { shown: 1, hidden: ['saturn'] } })
  })

  it('audits the decision with its id, identity and argument digest', async () => {
    const audit = memoryAuditLog()
    const gate = createGate({ policies: allowMars, audit })
    const verdict = await gate.authorize(
      bob,
      { action: 'call', user: bob, tool: { name: 'mars', args: { when: 'now' } } },
      meta,
    )
    expect(audit.records[0]).toMatchObject({
      decision_id: verdict.decisionId,
      session_id: 's1',
      identity: { user_id: 'bob', roles: ['user'] },
      target: { tool: 'mars' },
      effect: 'allow',
    })
    expect(audit.records[0]!.args_sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('fails closed when the audit sink throws', async () => {
    const gate = createGate({
      policies: allowMars,
      audit: { append: async () => Promise.reject(new Error('disk full')) },
    })
    await expect(
      gate.authorize(bob, { action: 'call', user: bob, tool: { name: 'mars' } }, meta),
    ).rejects.toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' })
  })

  it('refuses bad options when built', () => {
    expect(() => createGate({ policies: {} as PolicySet })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})

describe('denialMessage', () => {
  const denied = {
    decision: {
      effect: 'deny' as const,
      rule: 'secret_rule',
      policy: 'p',
      reason: 'rule "secret_rule" …',
    },
    decisionId: 'd-1',
  }

  it('names no rule by default', () => {
    const text = denialMessage(denied, 'calling saturn', false)
    expect(text).toBe(
      'mcp-warden denied this call: a policy rule forbids calling saturn (decision d-1)',
    )
  })

  it('names the rule when asked to', () => {
    expect(denialMessage(denied, 'calling saturn', true)).toContain('secret_rule')
  })

  it('says an escalation needs approval and maps it to ERR_APPROVAL_REQUIRED', () => {
    const escalated = { ...denied, decision: { ...denied.decision, effect: 'escalate' as const } }
    expect(denialMessage(escalated, 'calling pay', false)).toContain('requires a human approval')
    expect(denialError(escalated, 'calling pay', false)).toMatchObject({
      code: 'ERR_APPROVAL_REQUIRED',
      decisionId: 'd-1',
    })
  })
})

describe('sameIdentity', () => {
  it('accepts changed roles of the same user and refuses another user, agent or method', () => {
    const opener = { user_id: 'bob', agent_id: 'claude', method: 'jwt', roles: ['user'] }
    expect(sameIdentity(opener, { ...opener, roles: ['admin'] })).toBe(true)
    expect(sameIdentity(opener, { ...opener, user_id: 'eve' })).toBe(false)
    expect(sameIdentity(opener, { ...opener, agent_id: 'other' })).toBe(false)
    expect(sameIdentity(opener, { ...opener, method: 'header' })).toBe(false)
    expect(sameIdentity({ roles: [] }, { user_id: 'bob' })).toBe(false)
  })
})
