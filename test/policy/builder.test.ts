import { describe, expect, it } from 'vitest'
import {
  all,
  any,
  compilePolicies,
  field,
  formatSourceIssue,
  not,
  parsePolicy,
  policy,
  PolicyLoadError,
  rule,
  WardenError,
  type Policy,
} from '../../src/index.js'
import { FieldConditionBuilder } from '../../src/policy/builder/condition.js'
import { PolicyBuilder } from '../../src/policy/builder/policy-builder.js'
import { RuleBuilder } from '../../src/policy/builder/rule-builder.js'

function fromYaml(text: string): Policy {
  const result = parsePolicy(text, 'inline.yaml')
  if (Array.isArray(result)) throw new Error(result.map(formatSourceIssue).join('\n'))
  const { source: _source, ...document } = result
  return document
}

function thrown(act: () => unknown): unknown {
  try {
    act()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function loadError(act: () => unknown): PolicyLoadError {
  const error = thrown(act)
  expect(error).toBeInstanceOf(PolicyLoadError)
  expect((error as PolicyLoadError).code).toBe('ERR_POLICY_INVALID')
  return error as PolicyLoadError
}

const WEATHER_YAML = `
name: weather_service_policy
description: Authorization policies for planetary weather service
version: "1.0"
default_effect: deny
rules:
  - name: admin_full_access
    description: Administrators have unrestricted access
    effect: allow
    agents:
      roles: [admin]
    tools:
      patterns: ["*"]
    actions: [list, call]
    priority: 1000
  - name: user_basic_weather
    description: Users can check Mars and Venus weather
    effect: allow
    agents:
      roles: [user]
    tools:
      names: [get_mars_weather, get_venus_weather]
    actions: [list, call]
    priority: 500
  - name: intern_jupiter_night_only
    description: Interns can only check Jupiter weather at night
    effect: allow
    agents:
      roles: [intern]
    tools:
      names: [get_jupiter_weather]
    actions: [call]
    conditions:
      - field: tool.args.time
        operator: equals
        value: night
    priority: 300
  - name: list_jupiter_for_all
    description: All users can see Jupiter weather in listings
    effect: allow
    agents:
      roles: [user, intern]
    tools:
      names: [get_jupiter_weather]
    actions: [list]
    priority: 200
  - name: block_saturn_for_safety
    description: Saturn weather is blocked due to radiation safety
    effect: deny
    agents:
      roles: [user, intern]
    tools:
      names: [get_saturn_weather]
    actions: ["*"]
    priority: 800
`

function weatherPolicy(): Policy {
  return policy('weather_service_policy')
    .describedAs('Authorization policies for planetary weather service')
    .version('1.0')
    .denyByDefault()
    .rule(
      rule('admin_full_access')
        .describedAs('Administrators have unrestricted access')
        .forRoles('admin')
        .forToolPatterns('*')
        .on('list', 'call')
        .priority(1000)
        .allow(),
      rule('user_basic_weather')
        .describedAs('Users can check Mars and Venus weather')
        .forRoles('user')
        .forTools('get_mars_weather', 'get_venus_weather')
        .on('list', 'call')
        .priority(500)
        .allow(),
      rule('intern_jupiter_night_only')
        .describedAs('Interns can only check Jupiter weather at night')
        .forRoles('intern')
        .forTools('get_jupiter_weather')
        .on('call')
        .whenEquals('tool.args.time', 'night')
        .priority(300)
        .allow(),
      rule('list_jupiter_for_all')
        .describedAs('All users can see Jupiter weather in listings')
        .forRoles('user', 'intern')
        .forTools('get_jupiter_weather')
        .on('list')
        .priority(200)
        .allow(),
      rule('block_saturn_for_safety')
        .describedAs('Saturn weather is blocked due to radiation safety')
        .forRoles('user', 'intern')
        .forTools('get_saturn_weather')
        .on('*')
        .priority(800)
        .deny(),
    )
    .build()
}

describe('policy builder', () => {
  it('builds the weather policy equal to its YAML', () => {
    expect(weatherPolicy()).toStrictEqual(fromYaml(WEATHER_YAML))
  })

  it('decides the weather requests as the YAML does', () => {
    const set = compilePolicies([weatherPolicy()])
    const call = (roles: string[], name: string, args?: Record<string, unknown>) =>
      set.decide({ action: 'call', user: { roles }, tool: { name, args } })
    expect(call(['admin'], 'get_saturn_weather').effect).toBe('allow')
    expect(call(['user'], 'get_saturn_weather').rule).toBe('block_saturn_for_safety')
    expect(call(['intern'], 'get_jupiter_weather', { time: 'night' }).effect).toBe('allow')
    expect(call(['intern'], 'get_jupiter_weather', { time: 'day' }).effect).toBe('deny')
    const listed = set.decide({
      action: 'list',
      user: { roles: ['intern'] },
      tool: { name: 'get_jupiter_weather' },
    })
    expect(listed.rule).toBe('list_jupiter_for_all')
  })

  it('applies the loader defaults to what was not set', () => {
    const built = policy('p').rule(rule('r').allow()).build()
    expect(built).toStrictEqual(fromYaml('name: p\nrules:\n  - name: r\n    effect: allow\n'))
    expect(built).toMatchObject({ version: '1', default_effect: 'deny', tags: [] })
    expect(built.rules[0]!.priority).toBe(100)
  })

  it('says everything the YAML can say, through every builder method', () => {
    const calls = new Set<string>()
    const built = recording(policy('everything'), calls)
      .withDescription('Every field the YAML can say')
      .version(2)
      .allowByDefault()
      .tags('finance', 'demo')
      .createdBy('security-team')
      .rule(
        recording(rule('people'), calls)
          .withDescription('by user, agent and role')
          .forUsers('alice', 'svc-*')
          .forAgents('claude')
          .forRoles('user', 'admin')
          .forAgentPatterns('*-bot')
          .forTools('get_balance')
          .forToolPatterns('get_*')
          .forNamespaces('bank')
          .forToolTags('read')
          .withAnnotations({ readOnlyHint: true })
          .forActions('list', 'call')
          .withPriority(500)
          .whenEquals('tool.args.currency', 'EUR')
          .whenIn('user.claims.dept', ['eng', 'ops'])
          .whenContains('user.scopes', 'bank:read')
          .whenMatches('tool.args.iban', '^DE\\d+$', 'i')
          .whenGreaterThan('tool.args.amount', 0)
          .whenLessThan('request.time', '2030-01-01')
          .when('tool.namespace', 'exists')
          .when({ field: 'user.authenticated', operator: 'equals', value: true })
          .allow(),
      )
      .addRule(
        recording(rule('files'), calls)
          .describedAs('resources by URI')
          .forResources('file:///etc/passwd')
          .forResourcePatterns('file:///etc/**')
          .forSchemes('file')
          .on('read')
          .priority(900)
          .deny(),
        recording(rule('prompts'), calls)
          .forPrompts('summarize')
          .forPromptPatterns('draft_*')
          .forPromptTags('writing')
          .on('*')
          .when(
            any(
              field('prompt.args.tone').equals('formal'),
              all(field('user.roles').contains('editor'), not(field('prompt.args.length').gt(9))),
            ),
          )
          .when(field('user.user_id').notEquals('mallory'))
          .when(field('user.roles').in(['editor', 'writer']))
          .when(field('user.roles').notIn(['banned']))
          .when(field('prompt.name').notContains('secret'))
          .when(field('prompt.name').startsWith('draft'))
          .when(field('prompt.name').endsWith('_v2'))
          .when(field('prompt.name').matches('^draft_[a-z]+'))
          .when(field('resource.uri').glob('file:///**'))
          .when(field('prompt.args.length').gte(1))
          .when(field('prompt.args.length').lt(100))
          .when(field('prompt.args.length').lte(99))
          .when(field('user.agent_id').exists())
          .when(field('user.claims.blocked').exists(false))
          .escalate({
            action_type: 'communication',
            risk_level: 'low',
            amount: 'prompt.args.length',
            currency: 'EUR',
            recipient: 'prompt.args.to',
            title: 'Prompt {prompt.name}',
            description: 'for {user.user_id}',
            timeout: '1m',
            wait: 'return',
          }),
        recording(rule('every-kind'), calls).forAnyTool().forAnyResource().forAnyPrompt().deny(),
      )
      .build()

    expect(built).toStrictEqual(
      fromYaml(`
name: everything
description: Every field the YAML can say
version: 2
default_effect: allow
tags: [finance, demo]
created_by: security-team
rules:
  - name: people
    description: by user, agent and role
    effect: allow
    priority: 500
    agents:
      user_id: [alice, svc-*]
      agent_id: [claude]
      roles: [user, admin]
      patterns: ["*-bot"]
    tools:
      names: [get_balance]
      patterns: [get_*]
      namespaces: [bank]
      tags: [read]
      annotations: { readOnlyHint: true }
    actions: [list, call]
    conditions:
      - { field: tool.args.currency, operator: equals, value: EUR }
      - { field: user.claims.dept, operator: in, value: [eng, ops] }
      - { field: user.scopes, operator: contains, value: "bank:read" }
      - { field: tool.args.iban, operator: regex, value: '^DE\\d+$', flags: i }
      - { field: tool.args.amount, operator: gt, value: 0 }
      - { field: request.time, operator: lt, value: "2030-01-01" }
      - { field: tool.namespace, operator: exists }
      - { field: user.authenticated, operator: equals, value: true }
  - name: files
    description: resources by URI
    effect: deny
    priority: 900
    resources:
      uris: ["file:///etc/passwd"]
      patterns: ["file:///etc/**"]
      schemes: [file]
    actions: [read]
  - name: prompts
    effect: escalate
    prompts:
      names: [summarize]
      patterns: [draft_*]
      tags: [writing]
    actions: ["*"]
    conditions:
      - any:
          - { field: prompt.args.tone, operator: equals, value: formal }
          - all:
              - { field: user.roles, operator: contains, value: editor }
              - not: { field: prompt.args.length, operator: gt, value: 9 }
      - { field: user.user_id, operator: not_equals, value: mallory }
      - { field: user.roles, operator: in, value: [editor, writer] }
      - { field: user.roles, operator: not_in, value: [banned] }
      - { field: prompt.name, operator: not_contains, value: secret }
      - { field: prompt.name, operator: starts_with, value: draft }
      - { field: prompt.name, operator: ends_with, value: _v2 }
      - { field: prompt.name, operator: regex, value: "^draft_[a-z]+" }
      - { field: resource.uri, operator: glob, value: "file:///**" }
      - { field: prompt.args.length, operator: gte, value: 1 }
      - { field: prompt.args.length, operator: lt, value: 100 }
      - { field: prompt.args.length, operator: lte, value: 99 }
      - { field: user.agent_id, operator: exists }
      - { field: user.claims.blocked, operator: exists, value: false }
    approval:
      action_type: communication
      risk_level: low
      amount: prompt.args.length
      currency: EUR
      recipient: prompt.args.to
      title: "Prompt {prompt.name}"
      description: "for {user.user_id}"
      timeout: 1m
      wait: return
  - name: every-kind
    effect: deny
    tools: {}
    resources: {}
    prompts: {}
`),
    )
    const methods = [PolicyBuilder, RuleBuilder].flatMap((type) =>
      Object.getOwnPropertyNames(type.prototype).filter((name) => name !== 'constructor'),
    )
    // One policy cannot both allow and deny by default; the weather policy denies.
    expect(methods.filter((name) => !calls.has(name))).toEqual(['denyByDefault'])
  })

  it('builds every field condition as the plain leaf the YAML writes', () => {
    const methods = Object.getOwnPropertyNames(FieldConditionBuilder.prototype).filter(
      (name) => name !== 'constructor',
    )
    const builder = field('tool.args.x') as unknown as Record<string, (v: unknown) => unknown>
    const made = methods.map((name) =>
      builder[name]!(name === 'in' || name === 'notIn' ? [1] : 'v'),
    )
    for (const condition of made) {
      expect(Object.getPrototypeOf(condition)).toBe(Object.prototype)
      expect(condition).toMatchObject({ field: 'tool.args.x' })
    }
    expect(field('a.b').exists()).toStrictEqual({ field: 'a.b', operator: 'exists' })
    expect(field('a.b').matches('x', 'i')).toStrictEqual({
      field: 'a.b',
      operator: 'regex',
      value: 'x',
      flags: 'i',
    })
  })

  it('escalates with the approval block on the decision', () => {
    const built = policy('payments')
      .rule(
        rule('big-transfers')
          .forTools('transfer_funds')
          .whenGreaterThan('tool.args.amount', 100)
          .escalate({ action_type: 'purchase', amount: 'tool.args.amount', currency: 'USD' }),
        rule('plain-escalation').forTools('wire').escalate(),
      )
      .build()
    expect(built.rules[1]).not.toHaveProperty('approval')
    const set = compilePolicies([built])
    const decision = set.decide({
      action: 'call',
      user: { user_id: 'bob', roles: ['user'] },
      tool: { name: 'transfer_funds', args: { amount: 500 } },
    })
    expect(decision).toMatchObject({
      effect: 'escalate',
      rule: 'big-transfers',
      policy: 'payments',
      approval: { action_type: 'purchase', amount: 'tool.args.amount', currency: 'USD' },
    })
  })

  it('restricts a rule to one kind with forAnyTool', () => {
    const set = compilePolicies([
      policy('p').allowByDefault().rule(rule('no-tools').forAnyTool().deny()).build(),
    ])
    const user = { roles: [] }
    expect(set.decide({ action: 'call', user, tool: { name: 'x' } }).effect).toBe('deny')
    expect(set.decide({ action: 'read', user, resource: { uri: 'file:///x' } }).effect).toBe(
      'allow',
    )
  })

  it('adds conditions cumulatively, in order', () => {
    const built = policy('p')
      .rule(rule('r').whenEquals('tool.name', 'a').when(field('tool.name').equals('b')).deny())
      .build()
    expect(built.rules[0]!.conditions).toEqual([
      { field: 'tool.name', operator: 'equals', value: 'a' },
      { field: 'tool.name', operator: 'equals', value: 'b' },
    ])
  })

  it('accepts plain rule objects alongside builders', () => {
    const built = policy('p')
      .addRule({ name: 'plain', effect: 'deny', tools: { names: ['x'] } })
      .rule(rule('fluent').allow())
      .build()
    expect(built.rules.map((r) => r.name)).toEqual(['plain', 'fluent'])
    expect(built.rules[0]!.priority).toBe(100)
  })

  it('keeps a rule as it was when added, and each build separate', () => {
    const roles = ['user']
    const draft = rule('r')
      .forRoles(...roles)
      .whenIn('user.claims.dept', roles)
    const builder = policy('p').rule(draft.allow())
    draft.whenEquals('tool.name', 'later')
    roles.push('admin')
    const first = builder.build()
    expect(first.rules[0]!.conditions).toEqual([
      { field: 'user.claims.dept', operator: 'in', value: ['user'] },
    ])
    ;(first.rules[0]!.agents!.roles as string[]).push('mutated')
    expect(builder.build().rules[0]!.agents!.roles).toEqual(['user'])
  })
})

describe('policy builder refuses to set a field twice', () => {
  const cases: [string, () => unknown][] = [
    ['a rule description', () => rule('r').describedAs('a').withDescription('b')],
    ['a rule priority', () => rule('r').priority(1).withPriority(2)],
    ['a rule effect', () => rule('r').allow().deny()],
    ['an effect then escalate', () => rule('r').deny().escalate({ risk_level: 'low' })],
    ['the users', () => rule('r').forUsers('a').forUsers('b')],
    ['the agents', () => rule('r').forAgents('a').forAgents('b')],
    ['the roles', () => rule('r').forRoles('a').forRoles('b')],
    ['the agent patterns', () => rule('r').forAgentPatterns('a').forAgentPatterns('b')],
    ['the tools', () => rule('r').forTools('a').forTools('b')],
    ['the tool patterns', () => rule('r').forToolPatterns('a').forToolPatterns('b')],
    ['the namespaces', () => rule('r').forNamespaces('a').forNamespaces('b')],
    ['the tool tags', () => rule('r').forToolTags('a').forToolTags('b')],
    ['the annotations', () => rule('r').withAnnotations({}).withAnnotations({ a: true })],
    ['the resources', () => rule('r').forResources('a').forResources('b')],
    ['the resource patterns', () => rule('r').forResourcePatterns('a').forResourcePatterns('b')],
    ['the schemes', () => rule('r').forSchemes('a').forSchemes('b')],
    ['the prompts', () => rule('r').forPrompts('a').forPrompts('b')],
    ['the prompt patterns', () => rule('r').forPromptPatterns('a').forPromptPatterns('b')],
    ['the prompt tags', () => rule('r').forPromptTags('a').forPromptTags('b')],
    ['the actions', () => rule('r').on('call').forActions('list')],
    ['any tool twice', () => rule('r').forAnyTool().forAnyTool()],
    ['a tool name after any tool', () => rule('r').forAnyTool().forTools('a')],
    ['any resource after a scheme', () => rule('r').forSchemes('file').forAnyResource()],
    ['a prompt tag after any prompt', () => rule('r').forAnyPrompt().forPromptTags('a')],
    ['a policy description', () => policy('p').describedAs('a').withDescription('b')],
    ['a policy version', () => policy('p').version('1').version(2)],
    ['the default effect', () => policy('p').denyByDefault().allowByDefault()],
    ['the policy tags', () => policy('p').tags('a').tags('b')],
    ['the policy author', () => policy('p').createdBy('a').createdBy('b')],
  ]
  it.each(cases)('throws on %s', (_label, act) => {
    const error = thrown(act)
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ERR_BUILDER_FIELD_SET_TWICE')
  })
})

describe('policy builder validation', () => {
  it('rejects a catastrophic regex, naming the rule and condition', () => {
    const error = loadError(() =>
      policy('p')
        .rule(rule('fine').allow(), rule('slow').whenMatches('tool.args.x', '(a+)+').allow())
        .build(),
    )
    expect(error.issues).toEqual([
      expect.objectContaining({ file: '<builder policy p>', path: 'rules[1].conditions[0].value' }),
    ])
  })

  it('rejects a regex that does not compile', () => {
    const error = loadError(() =>
      policy('p')
        .rule(rule('r').when(field('tool.name').matches('(')).allow())
        .build(),
    )
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].conditions[0].value'])
  })

  it('rejects `in` with a value that is not a list', () => {
    const error = loadError(() =>
      policy('p')
        .rule(rule('r').when('user.roles', 'in', 'admin').allow())
        .build(),
    )
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].conditions[0].value'])
  })

  it('rejects a field path outside the request, inside a group', () => {
    const error = loadError(() =>
      policy('p')
        .rule(
          rule('r')
            .when(any(field('tool.name').equals('x'), field('args.x').equals(1)))
            .deny(),
        )
        .build(),
    )
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].conditions[0].any[1].field'])
  })

  it('rejects a rule without an effect', () => {
    const error = loadError(() => policy('p').rule(rule('r').forRoles('admin')).build())
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].effect'])
  })

  it('rejects an empty matcher list and a fractional priority together', () => {
    const error = loadError(() =>
      policy('p').rule(rule('r').forRoles().priority(1.5).allow()).build(),
    )
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'rules[0].agents.roles',
      'rules[0].priority',
    ])
  })

  it('rejects an approval block on a plain allow rule', () => {
    const error = loadError(() =>
      policy('p')
        .rule({ name: 'r', effect: 'allow', approval: { risk_level: 'low' } })
        .build(),
    )
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].approval'])
  })

  it('rejects an unknown key in a plain rule', () => {
    const error = loadError(() =>
      policy('p')
        .rule({ name: 'r', effect: 'allow', tool: { names: ['x'] } } as unknown as Parameters<
          PolicyBuilder['rule']
        >[0])
        .build(),
    )
    expect(error.issues.map((i) => i.path)).toEqual(['rules[0].tool'])
  })

  it('rejects a policy without a name', () => {
    const error = loadError(() => policy('').build())
    expect(error.issues.map((i) => i.path)).toEqual(['name'])
  })
})

/** Records the methods called on a builder chain; `#private` fields need the real receiver. */
function recording<T extends object>(target: T, calls: Set<string>): T {
  const proxy: T = new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver)
      if (typeof value !== 'function' || typeof key !== 'string') return value
      return (...args: unknown[]) => {
        calls.add(key)
        const result = value.apply(object, args)
        return result === object ? proxy : result
      }
    },
  })
  return proxy
}
