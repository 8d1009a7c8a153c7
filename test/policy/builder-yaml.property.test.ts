import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import {
  all,
  any,
  compilePolicies,
  field,
  formatSourceIssue,
  not,
  parsePolicy,
  policy,
  rule,
  type ApprovalInput,
  type Condition,
  type LeafCondition,
  type Policy,
  type PolicyRequest,
  type PolicySet,
  type RuleAction,
  type RuleBuilder,
} from '../../src/index.js'

// Small alphabets, so that rules and requests meet often and priorities tie.
const USERS = ['alice', 'bob', 'svc-1', 'carol']
const USER_GLOBS = ['alice', 'bob', 'svc-*', 'a*', '?ob', '*']
const AGENTS = ['claude', 'cursor', 'bot-x']
const AGENT_GLOBS = ['claude', 'cur*', 'bot-?', '*']
const ROLES = ['admin', 'user', 'intern', 'ops']
const TOOLS = ['get_mars', 'get_venus', 'delete_user', 'fs/read', 'transfer']
const TOOL_GLOBS = ['get_*', '*', '*_user', 'fs/*', '**', 'get_?ars', '[dt]*']
const NAMESPACES = ['fs', 'bank']
const TAGS = ['safe', 'danger', 'read']
const URIS = ['file:///etc/passwd', 'file:///home/a.txt', 'https://x.com/a', 'weather://mars/today']
const URI_GLOBS = ['file:///**', 'https://*', 'weather://*/*', '**', 'file:///etc/*']
const SCHEMES = ['file', 'https', 'user:', 'WEATHER']
const PROMPTS = ['summarize', 'draft_email', 'admin_report']
const PROMPT_GLOBS = ['draft_*', '*', 'admin_*']
const SCALARS = [
  0,
  5,
  100,
  1000,
  -1,
  'night',
  'day',
  '5',
  '100',
  'abc',
  'get_mars',
  '',
  true,
  false,
  null,
]
const FIELDS = [
  'user.user_id',
  'user.id',
  'user.roles',
  'user.agent_id',
  'user.claims.dept',
  'user.claims.level',
  'user.scopes',
  'user.authenticated',
  'tool.name',
  'tool.namespace',
  'tool.tags',
  'tool.annotations.readOnlyHint',
  'tool.args.amount',
  'tool.args.time',
  'tool.args.tags',
  'tool.args.nested.x',
  'resource.uri',
  'resource.name',
  'prompt.name',
  'prompt.args.tone',
  'prompt.tags',
  'request.action',
  'request.time',
  'request.method',
]

interface RuleDescription {
  name: string
  description?: string
  effect: 'allow' | 'deny' | 'escalate'
  priority?: number
  agents?: { user_id?: string[]; agent_id?: string[]; roles?: string[]; patterns?: string[] }
  tools?: {
    names?: string[]
    patterns?: string[]
    namespaces?: string[]
    tags?: string[]
    annotations?: Record<string, boolean>
  }
  resources?: { uris?: string[]; patterns?: string[]; schemes?: string[] }
  prompts?: { names?: string[]; patterns?: string[]; tags?: string[] }
  actions?: RuleAction[]
  conditions: { condition: Condition; style: number }[]
  approval?: ApprovalInput
  /** Sort keys for the builder's calls, so their order varies. */
  callOrder: number[]
}

interface PolicyDescription {
  name: string
  description?: string
  version?: string | number
  default_effect?: 'allow' | 'deny'
  tags?: string[]
  created_by?: string
  rules: RuleDescription[]
}

const plain = { noNullPrototype: true } as const
const some = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 })
const scalar = fc.constantFrom(...SCALARS)

const operand: fc.Arbitrary<Omit<LeafCondition, 'field'>> = fc.oneof(
  fc.record({
    operator: fc.constantFrom('equals' as const, 'not_equals' as const),
    value: fc.oneof(scalar, some(ROLES)),
  }),
  fc.record({
    operator: fc.constantFrom('in' as const, 'not_in' as const),
    value: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    operator: fc.constantFrom('contains' as const, 'not_contains' as const),
    value: fc.oneof(scalar, fc.constantFrom(...ROLES, ...TAGS)),
  }),
  fc.record({
    operator: fc.constantFrom('starts_with' as const, 'ends_with' as const),
    value: fc.constantFrom('get', 'night', 'a', '', 'file:', '_user', 'x'),
  }),
  fc.record(
    {
      operator: fc.constant('regex' as const),
      value: fc.constantFrom('^get_', 'night', '^[a-z]+$', '\\d', 'A', 'x|y', '^$', 'mars$'),
      flags: fc.constantFrom('i', 'm', 's', 'u', 'iu'),
    },
    { requiredKeys: ['operator', 'value'], ...plain },
  ),
  fc.record({
    operator: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const),
    value: fc.constantFrom(0, 5, 100, '5', 'm', '2025-06-01T00:00:00Z'),
  }),
  fc.record(
    { operator: fc.constant('exists' as const), value: fc.boolean() },
    { requiredKeys: ['operator'], ...plain },
  ),
  fc.record({
    operator: fc.constant('glob' as const),
    value: fc.constantFrom('get_*', '*', 'file:*', '*night*', 'a?c', '**', 'fs/*'),
  }),
)

const leafCondition: fc.Arbitrary<Condition> = fc
  .tuple(fc.constantFrom(...FIELDS), operand)
  .map(([path, rest]) => ({ field: path, ...rest }))

const { condition: conditionArbitrary } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { maxDepth: 2, depthSize: 'small' },
    { arbitrary: leafCondition, weight: 8 },
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((list) => ({ any: list })),
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((list) => ({ all: list })),
    tie('condition').map((inner) => ({ not: inner })),
  ),
}))

/** The arbitrary's value one time in `oneIn`, else undefined (dropped by `defined`). */
function maybe<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: oneIn - 1 },
    { arbitrary, weight: 1 },
  )
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** An object holding each key of the model one time in `oneIn`. */
function sparse<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, oneIn: number): fc.Arbitrary<T> {
  const entries = Object.entries(model as Record<string, fc.Arbitrary<unknown>>)
  return fc
    .record(Object.fromEntries(entries.map(([k, a]) => [k, maybe(a, oneIn)])), plain)
    .map((value) => defined(value) as T)
}

const nonEmpty = <T extends object>(value: T) => (Object.keys(value).length > 0 ? value : undefined)

// Sparse matchers and few conditions, so that a fair share of requests is decided by a rule.
const ruleDescription: fc.Arbitrary<Omit<RuleDescription, 'name'>> = fc
  .record(
    {
      description: maybe(fc.constantFrom('', 'plain', 'a: colon', '# hash', 'two\nlines'), 4),
      effect: fc.constantFrom('allow' as const, 'deny' as const, 'escalate' as const),
      priority: maybe(fc.constantFrom(100, 200, 300, 0, -5), 2),
      agents: maybe(
        sparse(
          {
            user_id: some(USER_GLOBS),
            agent_id: some(AGENT_GLOBS),
            roles: some([...ROLES, '*']),
            patterns: some(['a*', '*-1', 'bot-*', 'claude']),
          },
          3,
        ).map(nonEmpty),
        2,
      ),
      tools: maybe(
        sparse(
          {
            names: some(TOOLS),
            patterns: some(TOOL_GLOBS),
            namespaces: some(NAMESPACES),
            tags: some(TAGS),
            annotations: sparse({ readOnlyHint: fc.boolean(), destructiveHint: fc.boolean() }, 2),
          },
          4,
        ),
        3,
      ),
      resources: maybe(
        sparse({ uris: some(URIS), patterns: some(URI_GLOBS), schemes: some(SCHEMES) }, 3),
        3,
      ),
      prompts: maybe(
        sparse({ names: some(PROMPTS), patterns: some(PROMPT_GLOBS), tags: some(TAGS) }, 3),
        3,
      ),
      actions: maybe(some(['list', 'call', 'read', 'get', '*'] as RuleAction[]), 2),
      conditions: fc.oneof(
        fc.constant<RuleDescription['conditions']>([]),
        fc.array(fc.record({ condition: conditionArbitrary, style: fc.nat(3) }, plain), {
          minLength: 1,
          maxLength: 2,
        }),
      ),
      approval: maybe(
        sparse(
          {
            action_type: fc.constantFrom('purchase' as const, 'system' as const),
            risk_level: fc.constantFrom('low' as const, 'critical' as const),
            amount: fc.constantFrom(250, 'tool.args.amount'),
            currency: fc.constant('EUR'),
            title: fc.constant('Pay {tool.args.amount}'),
            timeout: fc.constantFrom('30s', '5m', 60),
            wait: fc.constantFrom('block' as const, 'return' as const),
          },
          2,
        ),
        2,
      ),
      callOrder: fc.array(fc.nat(99), { minLength: 24, maxLength: 24 }),
    },
    plain,
  )
  .map(defined)

type UnnamedPolicy = Omit<PolicyDescription, 'name' | 'rules'> & {
  rules: Omit<RuleDescription, 'name'>[]
}

const policyDescription: fc.Arbitrary<UnnamedPolicy> = fc.record(
  {
    description: fc.constantFrom('service', 'null', 'yes'),
    version: fc.constantFrom('1.0', 2, '2', 1.5),
    default_effect: fc.constantFrom('allow' as const, 'deny' as const),
    tags: fc.subarray(['a', 'b', 'null', 'true']),
    created_by: fc.constantFrom('sec', 'team: x'),
    rules: fc.array(ruleDescription, { maxLength: 6 }),
  },
  { requiredKeys: ['rules'], ...plain },
)

const policyDescriptions: fc.Arbitrary<PolicyDescription[]> = fc
  .array(policyDescription, { minLength: 1, maxLength: 3 })
  .map((list) =>
    list.map((p, i) => ({
      ...p,
      name: `p${i}`,
      rules: p.rules.map((r, j) => ({ ...r, name: `r${j}` })),
    })),
  )

const args = fc.dictionary(
  fc.constantFrom('amount', 'time', 'tags', 'nested', 'tone'),
  fc.oneof(scalar, some(['safe', 'night', 'a']), fc.record({ x: scalar })),
  { maxKeys: 3 },
)
const tool = fc.record(
  {
    name: fc.constantFrom(...TOOLS),
    namespace: fc.constantFrom(...NAMESPACES),
    tags: fc.subarray(TAGS),
    annotations: fc.record(
      { readOnlyHint: fc.boolean(), destructiveHint: fc.boolean() },
      { requiredKeys: [] },
    ),
    args,
  },
  { requiredKeys: ['name'] },
)
const resource = fc.record(
  { uri: fc.constantFrom(...URIS), name: fc.constantFrom('passwd', 'report') },
  { requiredKeys: ['uri'] },
)
const prompt = fc.record(
  { name: fc.constantFrom(...PROMPTS), args, tags: fc.subarray(TAGS) },
  { requiredKeys: ['name'] },
)
const user = fc.record(
  {
    user_id: fc.constantFrom(...USERS),
    agent_id: fc.constantFrom(...AGENTS),
    roles: fc.subarray(ROLES),
    claims: fc.record(
      { dept: fc.constantFrom('eng', 'ops', 5), level: fc.constantFrom(1, 3, '3') },
      { requiredKeys: [] },
    ),
    scopes: fc.subarray(['bank:read', 'bank:write']),
    authenticated: fc.boolean(),
  },
  { requiredKeys: [] },
)
const requestArbitrary: fc.Arbitrary<PolicyRequest> = fc
  .constantFrom('list' as const, 'call' as const, 'read' as const, 'get' as const)
  .chain((action) => {
    const tools = tool.map((t) => ({ tool: t }))
    const resources = resource.map((r) => ({ resource: r }))
    const prompts = prompt.map((p) => ({ prompt: p }))
    const target =
      action === 'call'
        ? tools
        : action === 'read'
          ? resources
          : action === 'get'
            ? prompts
            : fc.oneof(tools, resources, prompts)
    const meta = fc.record(
      {
        // Always given: the engine's "now" would differ between two evaluations.
        time: fc.constantFrom('2024-01-01T00:00:00Z', '2026-06-01T12:00:00Z'),
        method: fc.constantFrom('tools/call', 'resources/read'),
      },
      { requiredKeys: ['time'] },
    )
    return fc
      .tuple(user, target, meta)
      .map(([u, t, request]) => ({ action, user: u, ...t, request }) as PolicyRequest)
  })

function yamlText(description: PolicyDescription): string {
  const { rules, ...header } = description
  return stringify({
    ...header,
    rules: rules.map(({ conditions, callOrder: _order, approval, ...rest }) => ({
      ...rest,
      ...(conditions.length > 0 ? { conditions: conditions.map((c) => c.condition) } : {}),
      ...(approval && rest.effect === 'escalate' ? { approval } : {}),
    })),
  })
}

function fromYaml(description: PolicyDescription): Policy {
  const result = parsePolicy(yamlText(description), `${description.name}.yaml`)
  if (Array.isArray(result)) throw new Error(result.map(formatSourceIssue).join('\n'))
  return result
}

function fromBuilder(description: PolicyDescription): Policy {
  const built = policy(description.name)
  if (description.description !== undefined) built.describedAs(description.description)
  if (description.version !== undefined) built.version(description.version)
  if (description.default_effect === 'allow') built.allowByDefault()
  if (description.default_effect === 'deny') built.denyByDefault()
  if (description.tags !== undefined) built.tags(...description.tags)
  if (description.created_by !== undefined) built.createdBy(description.created_by)
  description.rules.forEach((r, i) =>
    i % 2 ? built.addRule(ruleBuilder(r)) : built.rule(ruleBuilder(r)),
  )
  return built.build()
}

function ruleBuilder(d: RuleDescription): RuleBuilder {
  const b = rule(d.name)
  const steps: (() => unknown)[] = []
  const step = (present: unknown, act: () => unknown) => present !== undefined && steps.push(act)
  step(d.description, () => b.describedAs(d.description!))
  step(d.priority, () => b.priority(d.priority!))
  const { agents: a, tools: t, resources: r, prompts: p } = d
  step(a?.user_id, () => b.forUsers(...a!.user_id!))
  step(a?.agent_id, () => b.forAgents(...a!.agent_id!))
  step(a?.roles, () => b.forRoles(...a!.roles!))
  step(a?.patterns, () => b.forAgentPatterns(...a!.patterns!))
  if (t && Object.keys(t).length === 0) steps.push(() => b.forAnyTool())
  step(t?.names, () => b.forTools(...t!.names!))
  step(t?.patterns, () => b.forToolPatterns(...t!.patterns!))
  step(t?.namespaces, () => b.forNamespaces(...t!.namespaces!))
  step(t?.tags, () => b.forToolTags(...t!.tags!))
  step(t?.annotations, () => b.withAnnotations(t!.annotations!))
  if (r && Object.keys(r).length === 0) steps.push(() => b.forAnyResource())
  step(r?.uris, () => b.forResources(...r!.uris!))
  step(r?.patterns, () => b.forResourcePatterns(...r!.patterns!))
  step(r?.schemes, () => b.forSchemes(...r!.schemes!))
  if (p && Object.keys(p).length === 0) steps.push(() => b.forAnyPrompt())
  step(p?.names, () => b.forPrompts(...p!.names!))
  step(p?.patterns, () => b.forPromptPatterns(...p!.patterns!))
  step(p?.tags, () => b.forPromptTags(...p!.tags!))
  step(d.actions, () => b.on(...d.actions!))
  // Conditions are one step: their order is the list's order.
  steps.push(() =>
    d.conditions.forEach(({ condition, style }) => addCondition(b, condition, style)),
  )
  steps.push(() =>
    d.effect === 'allow' ? b.allow() : d.effect === 'deny' ? b.deny() : b.escalate(d.approval),
  )
  const order = steps.map((_, i) => i).sort((x, y) => d.callOrder[x]! - d.callOrder[y]! || x - y)
  for (const i of order) steps[i]!()
  return b
}

function isLeaf(condition: Condition): condition is LeafCondition {
  return 'field' in condition
}

/** The same condition through one of the builder's spellings. */
function addCondition(b: RuleBuilder, condition: Condition, style: number): void {
  if (!isLeaf(condition)) b.when(group(condition, style))
  else if (style === 0) b.when(condition)
  else if (style === 1)
    b.when(condition.field, condition.operator, condition.value, condition.flags)
  else if (style === 2 || !shorthand(b, condition)) b.when(viaField(condition))
}

function group(condition: Condition, style: number): Condition {
  const inner = (c: Condition) => (!isLeaf(c) ? group(c, style) : style % 2 ? viaField(c) : c)
  if ('any' in condition) return any(...condition.any.map(inner))
  if ('all' in condition) return all(...condition.all.map(inner))
  if ('not' in condition) return not(inner(condition.not))
  return inner(condition)
}

function shorthand(b: RuleBuilder, c: LeafCondition): boolean {
  const value = c.value as never
  if (c.operator === 'equals') b.whenEquals(c.field, value)
  else if (c.operator === 'in') b.whenIn(c.field, value)
  else if (c.operator === 'contains') b.whenContains(c.field, value)
  else if (c.operator === 'regex') b.whenMatches(c.field, value, c.flags)
  else if (c.operator === 'gt') b.whenGreaterThan(c.field, value)
  else if (c.operator === 'lt') b.whenLessThan(c.field, value)
  else return false
  return true
}

function viaField(c: LeafCondition): Condition {
  const f = field(c.field)
  const value = c.value as never
  switch (c.operator) {
    case 'equals':
      return f.equals(value)
    case 'not_equals':
      return f.notEquals(value)
    case 'in':
      return f.in(value)
    case 'not_in':
      return f.notIn(value)
    case 'contains':
      return f.contains(value)
    case 'not_contains':
      return f.notContains(value)
    case 'starts_with':
      return f.startsWith(value)
    case 'ends_with':
      return f.endsWith(value)
    case 'regex':
      return f.matches(value, c.flags)
    case 'glob':
      return f.glob(value)
    case 'gt':
      return f.gt(value)
    case 'gte':
      return f.gte(value)
    case 'lt':
      return f.lt(value)
    case 'lte':
      return f.lte(value)
    case 'exists':
      return f.exists(value)
  }
}

function withoutSource({ source: _source, ...document }: Policy): Policy {
  return document
}

function explainedDecision(set: PolicySet, request: PolicyRequest) {
  const { trace: _trace, ...decision } = set.explain(request)
  return decision
}

describe('builder and YAML', () => {
  it('build the same policies, which decide every request alike', () => {
    fc.assert(
      fc.property(
        policyDescriptions,
        fc.array(requestArbitrary, { minLength: 4, maxLength: 8 }),
        (descriptions, requests) => {
          const yamlPolicies = descriptions.map(fromYaml)
          const builtPolicies = descriptions.map(fromBuilder)
          expect(builtPolicies).toStrictEqual(yamlPolicies.map(withoutSource))
          const yamlSet = compilePolicies(yamlPolicies)
          const builtSet = compilePolicies(builtPolicies)
          expect(builtSet.version).toBe(yamlSet.version)
          for (const request of requests) {
            expect(builtSet.decide(request)).toStrictEqual(yamlSet.decide(request))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('the rule index', () => {
  it('decides as the full scan of explain does', () => {
    fc.assert(
      fc.property(
        policyDescriptions,
        fc.array(requestArbitrary, { minLength: 8, maxLength: 16 }),
        (descriptions, requests) => {
          const set = compilePolicies(descriptions.map(fromBuilder))
          for (const request of requests) {
            expect(explainedDecision(set, request)).toStrictEqual(set.decide(request))
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
