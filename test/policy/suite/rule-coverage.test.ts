import { describe, expect, it } from 'vitest'
import { compilePolicies } from '../../../src/policy/compile.js'
import type { Policy, PolicyInput } from '../../../src/policy/schema.js'
import { RuleCoverage } from '../../../src/policy/suite/rule-coverage.js'

function withSource(policy: PolicyInput, file: string): Policy {
  return {
    ...(policy as Policy),
    source: { file, line: 1, ruleLines: policy.rules.map((_, i) => 3 + i * 4) },
  }
}

const alpha = withSource(
  {
    name: 'alpha',
    rules: [
      { name: 'a1', effect: 'allow', tools: { names: ['one'] } },
      { name: 'a2', effect: 'allow', tools: { names: ['two'] } },
      { name: 'a3', effect: 'deny', tools: { names: ['three'] } },
    ],
  },
  'alpha.yaml',
)
const beta = withSource(
  { name: 'beta', rules: [{ name: 'b1', effect: 'allow', resources: { uris: ['x://1'] } }] },
  'beta.yaml',
)
const user = { roles: [] }

describe('RuleCoverage', () => {
  it('lists the rules that decided no request, with file and line, and the percentage', () => {
    const set = compilePolicies([alpha])
    const coverage = new RuleCoverage()
    const observe = coverage.track(set)
    const request = { action: 'call' as const, user, tool: { name: 'one' } }
    observe(request, set.decide(request))
    const unmatched = { action: 'call' as const, user, tool: { name: 'nothing' } }
    observe(unmatched, set.decide(unmatched))
    expect(coverage.report()).toEqual({
      rules: 3,
      exercised: 1,
      percent: 33.3,
      unexercised: [
        { policy: 'alpha', rule: 'a2', file: 'alpha.yaml', line: 7 },
        { policy: 'alpha', rule: 'a3', file: 'alpha.yaml', line: 11 },
      ],
    })
  })

  it('counts a rule shared by two policy sets once', () => {
    const alone = compilePolicies([alpha])
    const both = compilePolicies([alpha, beta])
    const coverage = new RuleCoverage()
    const first = coverage.track(alone)
    const second = coverage.track(both)
    const one = { action: 'call' as const, user, tool: { name: 'one' } }
    const two = { action: 'call' as const, user, tool: { name: 'two' } }
    first(one, alone.decide(one))
    second(two, both.decide(two))
    const report = coverage.report()
    expect(report).toMatchObject({ rules: 4, exercised: 2, percent: 50 })
    expect(report.unexercised.map((r) => r.rule)).toEqual(['a3', 'b1'])
  })

  it('tells apart two policies with the same name by the decisive rule', () => {
    const copy = withSource({ ...alpha, rules: [...alpha.rules] }, 'copy.yaml')
    const set = compilePolicies([alpha, copy])
    const coverage = new RuleCoverage()
    const observe = coverage.track(set)
    const request = { action: 'call' as const, user, tool: { name: 'one' } }
    observe(request, set.decide(request))
    expect(coverage.report().unexercised).toContainEqual({
      policy: 'alpha',
      rule: 'a1',
      file: 'copy.yaml',
      line: 3,
    })
    expect(coverage.report().exercised).toBe(1)
  })

  it('is 100% with no rules, and rounds down so a minimum is never met by rounding', () => {
    expect(new RuleCoverage().report().percent).toBe(100)
    const set = compilePolicies([
      withSource(
        {
          name: 'p',
          rules: Array.from({ length: 1000 }, (_, i) => ({
            name: `r${i}`,
            effect: 'allow' as const,
            tools: { names: [`t${i}`] },
          })),
        },
        'p.yaml',
      ),
    ])
    const coverage = new RuleCoverage()
    const observe = coverage.track(set)
    for (let i = 0; i < 999; i++) {
      const request = { action: 'call' as const, user, tool: { name: `t${i}` } }
      observe(request, set.decide(request))
    }
    expect(coverage.report().percent).toBe(99.9)
  })
})
