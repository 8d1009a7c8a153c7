import { describe, expect, it } from 'vitest'
import { compilePolicies } from '../../../src/policy/compile.js'
import type { LoadedSuite } from '../../../src/policy/suite/load-suite.js'
import { runSuite } from '../../../src/policy/suite/run-suite.js'
import type { TestCaseDocument } from '../../../src/policy/suite/suite-schema.js'
import { toTestCase } from '../../../src/policy/suite/test-case.js'

const set = compilePolicies([
  {
    name: 'shop',
    rules: [
      {
        name: 'browse',
        effect: 'allow',
        agents: { roles: ['user'] },
        tools: { patterns: ['list_*', 'get_*'] },
      },
      { name: 'no_admin', effect: 'deny', priority: 500, tools: { patterns: ['admin_*'] } },
      {
        name: 'refunds',
        effect: 'escalate',
        agents: { roles: ['user'] },
        tools: { names: ['refund'] },
      },
    ],
  },
])
const identities = { user: { user_id: 'u', roles: ['user'] } }

function suiteOf(...tests: Omit<TestCaseDocument, 'identity'>[]): LoadedSuite {
  return {
    name: 'shop',
    file: 'shop.test.yaml',
    policyFiles: [],
    cases: tests.map((t, i) => toTestCase({ identity: 'user', ...t }, identities, i + 1)),
  }
}

describe('runSuite', () => {
  it('passes a test whose effect, rule and policy match', () => {
    const [result] = runSuite(
      suiteOf({
        name: 'a',
        call: 'get_item',
        expect: 'allow',
        expect_rule: 'browse',
        expect_policy: 'shop',
      }),
      set,
    ).cases
    expect(result).toMatchObject({
      status: 'passed',
      actual: { effect: 'allow', rule: 'browse', policy: 'shop' },
    })
    expect(result).not.toHaveProperty('message')
  })

  it('fails on the effect, the rule or the policy, saying which', () => {
    const cases = runSuite(
      suiteOf(
        { name: 'effect', call: 'admin_wipe', expect: 'allow' },
        { name: 'rule', call: 'admin_wipe', expect: 'deny', expect_rule: 'browse' },
        { name: 'policy', call: 'admin_wipe', expect: 'deny', expect_policy: 'other' },
        { name: 'no rule', call: 'admin_wipe', expect: 'deny', expect_rule: null },
      ),
      set,
    ).cases
    expect(cases.map((c) => [c.status, c.message])).toEqual([
      ['failed', 'expected allow, got deny'],
      ['failed', 'expected rule "browse", got "no_admin"'],
      ['failed', 'expected policy "other", got "shop"'],
      ['failed', 'expected rule none, got "no_admin"'],
    ])
  })

  it('expects no rule with expect_rule: null when the default decides', () => {
    const [result] = runSuite(
      suiteOf({ name: 'a', call: 'buy', expect: 'deny', expect_rule: null }),
      set,
    ).cases
    expect(result).toMatchObject({
      status: 'passed',
      actual: { rule: null, reason: 'no rule matched; default deny' },
    })
  })

  it('checks escalations like any other effect', () => {
    const [result] = runSuite(suiteOf({ name: 'a', call: 'refund', expect: 'escalate' }), set).cases
    expect(result!.status).toBe('passed')
  })

  it('compares the visible list as a set and names missing and unexpected items', () => {
    const available = ['list_items', 'admin_wipe', 'get_item', 'refund']
    const [exact, wrong] = runSuite(
      suiteOf(
        { name: 'exact', list: 'tools', available, expect_visible: ['get_item', 'list_items'] },
        { name: 'wrong', list: 'tools', available, expect_visible: ['list_items', 'admin_wipe'] },
      ),
      set,
    ).cases
    expect(exact).toMatchObject({ status: 'passed', actual: ['list_items', 'get_item'] })
    expect(wrong).toMatchObject({
      status: 'failed',
      missing: ['admin_wipe'],
      unexpected: ['get_item'],
      message: 'missing from the list: admin_wipe; unexpected in the list: get_item',
    })
  })

  it('hides an item whose list decision escalates (only allow shows)', () => {
    const [result] = runSuite(
      suiteOf({ name: 'a', list: 'tools', available: ['refund'], expect_visible: [] }),
      set,
    ).cases
    expect(result).toMatchObject({
      status: 'passed',
      items: [{ item: 'refund', visible: false, effect: 'escalate', rule: 'refunds' }],
    })
  })

  it('tells the observer every request and decision', () => {
    const seen: string[] = []
    runSuite(
      suiteOf(
        { name: 'a', call: 'get_item', expect: 'allow' },
        { name: 'b', list: 'tools', available: ['list_a', 'admin_b'], expect_visible: ['list_a'] },
      ),
      set,
      (request, decision) => seen.push(`${request.action}:${request.tool?.name}:${decision.rule}`),
    )
    expect(seen).toEqual(['call:get_item:browse', 'list:list_a:browse', 'list:admin_b:no_admin'])
  })
})
