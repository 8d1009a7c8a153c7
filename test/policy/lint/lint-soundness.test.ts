import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compilePolicies,
  lintPolicies,
  type Condition,
  type PolicyInput,
  type PolicyRequest,
  type Principal,
} from '../../../src/index.js'
import type { RuleInput } from './lint-helpers.js'

// The lints claim that a rule never matches or never decides; the engine must agree on every
// request. Random small policies over a small vocabulary, so rules often overlap.

const CONDITIONS: Condition[] = [
  { field: 'tool.args.n', operator: 'gt', value: 1 },
  { field: 'tool.args.n', operator: 'lt', value: 5 },
  { field: 'tool.args.n', operator: 'equals', value: 3 },
  { field: 'user.claims.k', operator: 'equals', value: 'a' },
  { field: 'user.claims.k', operator: 'equals', value: 'b' },
  { field: 'user.claims.k', operator: 'exists', value: false },
  { not: { field: 'tool.args.n', operator: 'gt', value: 1 } },
  { field: 'request.action', operator: 'equals', value: 'call' },
  { field: 'tool.name', operator: 'equals', value: 't1' },
  { field: 'resource.uri', operator: 'starts_with', value: 'file:' },
  { field: 'resource.uri', operator: 'exists', value: false },
  {
    any: [
      { field: 'tool.args.n', operator: 'lt', value: 0 },
      { field: 'user.claims.k', operator: 'equals', value: 'a' },
    ],
  },
]

const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const someOf = <T>(values: T[]) => fc.subarray(values, { minLength: 1 })

const ruleArb = fc.record({
  effect: fc.constantFrom('allow', 'deny', 'escalate') as fc.Arbitrary<RuleInput['effect']>,
  priority: fc.constantFrom(100, 200),
  agents: option(
    fc.record(
      { roles: someOf(['a', 'b', '*']), user_id: someOf(['bob', 'b*']) },
      { requiredKeys: [] },
    ),
  ),
  tools: option(
    fc.record(
      { names: someOf(['t1', 't2']), patterns: someOf(['*', 't*', 'x/*']) },
      { requiredKeys: [] },
    ),
  ),
  resources: option(
    fc.record(
      {
        uris: someOf(['file:///a', 'https://h/x']),
        schemes: someOf(['file']),
        patterns: someOf(['file:///*']),
      },
      { requiredKeys: [] },
    ),
  ),
  prompts: option(
    fc.record({ names: someOf(['p1']), patterns: someOf(['*']) }, { requiredKeys: [] }),
  ),
  actions: option(someOf(['list', 'call', 'read', 'get'] as const)),
  conditions: option(fc.subarray(CONDITIONS, { minLength: 1, maxLength: 3 })),
})

const userArb: fc.Arbitrary<Principal> = fc.record(
  {
    user_id: fc.constantFrom('bob', 'bill', 'alice'),
    roles: fc.subarray(['a', 'b']),
    claims: fc.record({ k: fc.constantFrom('a', 'b') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['roles'] },
)

const requestArb: fc.Arbitrary<PolicyRequest> = fc.oneof(
  fc.record({
    action: fc.constantFrom('list', 'call') as fc.Arbitrary<'list' | 'call'>,
    user: userArb,
    tool: fc.record(
      {
        name: fc.constantFrom('t1', 't2', 'tz', 'x/y', 'other'),
        args: fc.record({ n: fc.constantFrom(0, 1, 3, 5, 7, '3') }, { requiredKeys: [] }),
      },
      { requiredKeys: ['name'] },
    ),
  }),
  fc.record({
    action: fc.constantFrom('list', 'read') as fc.Arbitrary<'list' | 'read'>,
    user: userArb,
    resource: fc.record({ uri: fc.constantFrom('file:///a', 'file:///b', 'https://h/x') }),
  }),
  fc.record({
    action: fc.constantFrom('list', 'get') as fc.Arbitrary<'list' | 'get'>,
    user: userArb,
    prompt: fc.record({ name: fc.constantFrom('p1', 'p2') }),
  }),
)

function policies(a: RuleInput[], b: RuleInput[]): PolicyInput[] {
  const named = (rules: Omit<RuleInput, 'name'>[], prefix: string) =>
    rules.map((rule, i) => ({ ...rule, name: `${prefix}${i}` }) as RuleInput)
  return [
    {
      name: 'a',
      rules: named(a, 'a'),
      source: { file: 'a.yaml', line: 1, ruleLines: a.map(() => 1) },
    },
    {
      name: 'b',
      rules: named(b, 'b'),
      source: { file: 'b.yaml', line: 1, ruleLines: b.map(() => 1) },
    },
  ] as unknown as PolicyInput[]
}

describe('lint soundness against the engine', () => {
  it('never calls a rule dead, unreachable or unlisted when some request shows otherwise', () => {
    let claims = 0
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 4 }),
        fc.array(ruleArb, { maxLength: 3 }),
        fc.array(requestArb, { minLength: 20, maxLength: 40 }),
        (a, b, requests) => {
          const set = compilePolicies(policies(a as RuleInput[], b as RuleInput[]))
          const findings = lintPolicies(set)
          const key = (policy: string, rule?: string) => `${policy}/${rule}`
          const neverDecides = new Set<string>()
          const neverMatches = new Set<string>()
          const neverListed = new Set<string>()
          for (const f of findings) {
            const k = key(f.policy, f.rule)
            if (f.code === 'W_SHADOWED_RULE') neverDecides.add(k)
            if (f.code === 'W_UNREACHABLE_RULE' || f.code === 'W_LIST_ARGUMENT_CONDITION')
              neverMatches.add(k)
            if (f.code === 'W_ARGUMENT_CONDITION_ON_LIST' && f.path.endsWith('.conditions'))
              neverListed.add(k)
          }
          const tied = new Set(
            findings
              .filter((f) => f.code === 'W_CROSS_FILE_TIE')
              .map((f) => `${key(f.policy, f.rule)}|${key(f.related!.policy, f.related!.rule)}`),
          )
          claims += neverDecides.size + neverMatches.size + neverListed.size
          for (const request of requests) {
            for (const t of set.explain(request).trace) {
              const k = key(t.policy, t.rule)
              if (neverDecides.has(k))
                expect(t.decisive, `${k} decided ${JSON.stringify(request)}`).toBe(false)
              if (neverMatches.has(k))
                expect(t.outcome, `${k} matched ${JSON.stringify(request)}`).not.toBe('matched')
              if (neverListed.has(k) && request.action === 'list')
                expect(t.outcome).not.toBe('matched')
            }
            // Rules of the two files that meet at one priority with different effects: a tie.
            const matched = set.explain(request).trace.filter((t) => t.outcome === 'matched')
            for (const x of matched.filter((t) => t.policy === 'a')) {
              for (const y of matched.filter((t) => t.policy === 'b')) {
                if (x.priority !== y.priority || x.effect === y.effect) continue
                expect(tied.has(`${key('b', y.rule)}|${key('a', x.rule)}`)).toBe(true)
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    )
    // The generator must actually produce claims to check.
    expect(claims).toBeGreaterThan(100)
  })
})
