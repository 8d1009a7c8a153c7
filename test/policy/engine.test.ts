import { describe, expect, it } from 'vitest'
import { compilePolicies, type PolicyInput, type PolicyRequest } from '../../src/index.js'

type RuleInput = PolicyInput['rules'][number]

const bob = { user_id: 'bob', roles: ['user'], agent_id: 'claude' }

function set(rules: RuleInput[], extra: Partial<PolicyInput> = {}) {
  return compilePolicies([{ name: 'p', rules, ...extra }])
}

function call(
  name: string,
  args?: Record<string, unknown>,
  user: PolicyRequest['user'] = bob,
): PolicyRequest {
  return { action: 'call', user, tool: { name, args } }
}

describe('decision rules', () => {
  it('denies when no rule matches', () => {
    const d = set([]).decide(call('anything'))
    expect(d).toMatchObject({ effect: 'deny', rule: null, policy: null })
  })

  it('lets the highest priority tier with a matching rule decide', () => {
    const s = set([
      { name: 'low-deny', effect: 'deny', priority: 10 },
      { name: 'high-allow', effect: 'allow', priority: 500 },
    ])
    expect(s.decide(call('x'))).toMatchObject({ effect: 'allow', rule: 'high-allow', policy: 'p' })
  })

  it('prefers deny over escalate over allow within a tier', () => {
    const allowEscalate = set([
      { name: 'a', effect: 'allow' },
      { name: 'e', effect: 'escalate', approval: { risk_level: 'critical' } },
    ])
    expect(allowEscalate.decide(call('x'))).toMatchObject({
      effect: 'escalate',
      rule: 'e',
      approval: { risk_level: 'critical' },
    })
    const all3 = set([
      { name: 'a', effect: 'allow' },
      { name: 'e', effect: 'escalate' },
      { name: 'd', effect: 'deny' },
    ])
    expect(all3.decide(call('x'))).toMatchObject({ effect: 'deny', rule: 'd' })
  })

  it('names the first rule in load order when equal rules tie', () => {
    const s = compilePolicies([
      { name: 'first', rules: [{ name: 'one', effect: 'allow' }] },
      { name: 'second', rules: [{ name: 'two', effect: 'allow' }] },
    ])
    expect(s.decide(call('x'))).toMatchObject({ policy: 'first', rule: 'one' })
  })

  it('decides across policies, not by the first policy that matches', () => {
    const s = compilePolicies([
      { name: 'permissive', rules: [{ name: 'all', effect: 'allow', priority: 100 }] },
      {
        name: 'guard',
        rules: [{ name: 'no-delete', effect: 'deny', priority: 100, tools: { names: ['delete'] } }],
      },
    ])
    expect(s.decide(call('delete'))).toMatchObject({ effect: 'deny', policy: 'guard' })
    expect(s.decide(call('read'))).toMatchObject({ effect: 'allow', policy: 'permissive' })
  })

  it('allows by default only when every loaded policy defaults to allow', () => {
    const open = { name: 'open', default_effect: 'allow' as const, rules: [] }
    const closed = { name: 'closed', rules: [] }
    expect(compilePolicies([open]).decide(call('x')).effect).toBe('allow')
    expect(compilePolicies([open, { ...open, name: 'open2' }]).decide(call('x')).effect).toBe(
      'allow',
    )
    expect(compilePolicies([open, closed]).decide(call('x')).effect).toBe('deny')
    expect(compilePolicies([]).decide(call('x')).effect).toBe('deny')
  })

  it('carries a default approval block on escalate rules without one', () => {
    expect(set([{ name: 'e', effect: 'escalate' }]).decide(call('x')).approval).toEqual({})
  })
})

describe('actions and capability kinds', () => {
  const resource = (uri: string): PolicyRequest => ({
    action: 'read',
    user: bob,
    resource: { uri },
  })
  const prompt = (name: string): PolicyRequest => ({ action: 'get', user: bob, prompt: { name } })

  it('applies a rule without actions to every action', () => {
    const s = set([{ name: 'all', effect: 'allow' }])
    expect(s.decide(call('x')).effect).toBe('allow')
    expect(s.decide(resource('file:///a')).effect).toBe('allow')
    expect(s.decide(prompt('p')).effect).toBe('allow')
    expect(s.decide({ action: 'list', user: bob, tool: { name: 'x' } }).effect).toBe('allow')
  })

  it('applies a rule only to the actions it lists', () => {
    const s = set([{ name: 'list-only', effect: 'allow', actions: ['list'] }])
    expect(s.decide({ action: 'list', user: bob, tool: { name: 'x' } }).effect).toBe('allow')
    expect(s.decide(call('x')).effect).toBe('deny')
  })

  it('applies a rule to the capability kinds it names, and to all three when it names none', () => {
    const s = set([{ name: 'tools-only', effect: 'allow', tools: { patterns: ['**'] } }])
    expect(s.decide(call('x')).effect).toBe('allow')
    expect(s.decide(resource('file:///x')).effect).toBe('deny')
    expect(s.decide(prompt('x')).effect).toBe('deny')
  })

  it('matches resources by URI, pattern and scheme', () => {
    const s = set([
      { name: 'exact', effect: 'allow', resources: { uris: ['user://profile'] } },
      { name: 'docs', effect: 'allow', resources: { patterns: ['file:///docs/**'] } },
      { name: 'weather', effect: 'allow', resources: { schemes: ['weather'] } },
    ])
    expect(s.decide(resource('user://profile')).rule).toBe('exact')
    expect(s.decide(resource('file:///docs/a/b.md')).rule).toBe('docs')
    expect(s.decide(resource('file:///etc/passwd')).effect).toBe('deny')
    expect(s.decide(resource('Weather://mars')).rule).toBe('weather')
  })

  it('matches prompts by name, pattern and tag', () => {
    const s = set([
      { name: 'named', effect: 'allow', prompts: { names: ['summary'] } },
      { name: 'pattern', effect: 'allow', prompts: { patterns: ['report_*'] } },
      { name: 'tagged', effect: 'allow', prompts: { tags: ['public'] } },
    ])
    expect(s.decide(prompt('summary')).rule).toBe('named')
    expect(s.decide(prompt('report_q3')).rule).toBe('pattern')
    expect(
      s.decide({ action: 'get', user: bob, prompt: { name: 'x', tags: ['public'] } }).rule,
    ).toBe('tagged')
    expect(s.decide(prompt('admin')).effect).toBe('deny')
  })
})

describe('agent matching', () => {
  it('matches roles when the identity holds any listed role', () => {
    const s = set([{ name: 'r', effect: 'allow', agents: { roles: ['admin', 'user'] } }])
    expect(s.decide(call('x')).effect).toBe('allow')
    expect(s.decide(call('x', {}, { roles: ['intern'] })).effect).toBe('deny')
    expect(s.decide(call('x', {}, {})).effect).toBe('deny')
  })

  it('reads roles "*" as holding at least one role', () => {
    const s = set([{ name: 'r', effect: 'allow', agents: { roles: ['*'] } }])
    expect(s.decide(call('x', {}, { roles: ['anything'] })).effect).toBe('allow')
    expect(s.decide(call('x', {}, { roles: [] })).effect).toBe('deny')
  })

  it('matches user_id and agent_id as globs, and never an absent id', () => {
    const s = set([
      { name: 'r', effect: 'allow', agents: { user_id: 'svc-*', agent_id: ['claude', 'gpt-*'] } },
    ])
    expect(s.decide(call('x', {}, { user_id: 'svc-billing', agent_id: 'gpt-5' })).effect).toBe(
      'allow',
    )
    expect(s.decide(call('x', {}, { user_id: 'svc-billing', agent_id: 'other' })).effect).toBe(
      'deny',
    )
    expect(s.decide(call('x', {}, { agent_id: 'claude' })).effect).toBe('deny')
  })

  it('matches agent patterns against the user id or the agent id', () => {
    const s = set([{ name: 'r', effect: 'allow', agents: { patterns: ['admin_*'] } }])
    expect(s.decide(call('x', {}, { user_id: 'admin_alice' })).effect).toBe('allow')
    expect(s.decide(call('x', {}, { user_id: 'bob', agent_id: 'admin_bot' })).effect).toBe('allow')
    expect(s.decide(call('x', {}, { user_id: 'bob' })).effect).toBe('deny')
  })

  it('consults rules indexed by role and unindexed rules together', () => {
    const s = set([
      { name: 'role-allow', effect: 'allow', priority: 100, agents: { roles: ['user'] } },
      { name: 'pattern-deny', effect: 'deny', priority: 200, tools: { patterns: ['danger_*'] } },
      { name: 'named-escalate', effect: 'escalate', priority: 150, tools: { names: ['pay'] } },
    ])
    expect(s.decide(call('danger_zone')).rule).toBe('pattern-deny')
    expect(s.decide(call('pay')).rule).toBe('named-escalate')
    expect(s.decide(call('read')).rule).toBe('role-allow')
  })
})

describe('tool matching', () => {
  it('ANDs the listed fields and ORs the values of each', () => {
    const s = set([
      { name: 'r', effect: 'allow', tools: { names: ['a', 'b'], namespaces: ['fs'] } },
    ])
    expect(
      s.decide({ action: 'call', user: bob, tool: { name: 'a', namespace: 'fs' } }).effect,
    ).toBe('allow')
    expect(
      s.decide({ action: 'call', user: bob, tool: { name: 'b', namespace: 'db' } }).effect,
    ).toBe('deny')
    expect(s.decide(call('a')).effect).toBe('deny')
  })

  it('matches tags and the server-stated annotations', () => {
    const s = set([
      { name: 'safe', effect: 'allow', tools: { tags: ['safe'] } },
      { name: 'readonly', effect: 'allow', tools: { annotations: { readOnlyHint: true } } },
    ])
    expect(
      s.decide({ action: 'call', user: bob, tool: { name: 'x', tags: ['safe', 'fast'] } }).rule,
    ).toBe('safe')
    expect(
      s.decide({
        action: 'call',
        user: bob,
        tool: { name: 'x', annotations: { readOnlyHint: true } },
      }).rule,
    ).toBe('readonly')
    expect(
      s.decide({
        action: 'call',
        user: bob,
        tool: { name: 'x', annotations: { readOnlyHint: false } },
      }).effect,
    ).toBe('deny')
    expect(s.decide(call('x')).effect).toBe('deny')
  })

  it('compiles globs without brace or extglob expansion, and * does not cross /', () => {
    const s = set([
      { name: 'brace', effect: 'allow', tools: { patterns: ['{a,b}'] } },
      { name: 'star', effect: 'allow', resources: { patterns: ['file:///data/*'] } },
    ])
    expect(s.decide(call('a')).effect).toBe('deny')
    expect(
      s.decide({ action: 'read', user: bob, resource: { uri: 'file:///data/x' } }).effect,
    ).toBe('allow')
    expect(
      s.decide({ action: 'read', user: bob, resource: { uri: 'file:///data/x/y' } }).effect,
    ).toBe('deny')
  })
})

describe('list actions', () => {
  it('evaluates list without arguments: argument conditions are false, even exists: false', () => {
    const s = set([
      {
        name: 'by-arg',
        effect: 'allow',
        conditions: [{ field: 'tool.args.mode', operator: 'equals', value: 'safe' }],
      },
      {
        name: 'no-arg',
        effect: 'allow',
        conditions: [{ field: 'tool.args.mode', operator: 'exists', value: false }],
      },
    ])
    const list: PolicyRequest = {
      action: 'list',
      user: bob,
      tool: { name: 'x', args: { mode: 'safe' } },
    }
    expect(s.decide(list).effect).toBe('deny')
    expect(s.decide(call('x', { mode: 'safe' })).rule).toBe('by-arg')
    expect(s.decide(call('x', {})).rule).toBe('no-arg')
  })

  it('treats a whole condition that reads arguments as false on list, even under not: or any:', () => {
    const s = set([
      { name: 'see', effect: 'allow', agents: { roles: ['user'] } },
      {
        name: 'outside-data',
        effect: 'deny',
        conditions: [{ not: { field: 'tool.args.path', operator: 'glob', value: '/data/**' } }],
      },
      {
        name: 'mixed',
        effect: 'deny',
        conditions: [
          {
            any: [
              { field: 'user.user_id', operator: 'equals', value: 'bob' },
              { field: 'tool.args.x', operator: 'exists' },
            ],
          },
        ],
      },
    ])
    expect(s.decide({ action: 'list', user: bob, tool: { name: 'read_file' } }).rule).toBe('see')
    expect(s.decide(call('read_file', { path: '/etc/passwd' })).rule).toBe('outside-data')
    expect(s.decide(call('read_file', { path: '/data/a' })).rule).toBe('mixed')
  })

  it('keeps a tool with an argument-guarded deny visible in lists', () => {
    const s = set([
      { name: 'use', effect: 'allow', agents: { roles: ['user'] }, tools: { names: ['delete'] } },
      {
        name: 'no-force',
        effect: 'deny',
        tools: { names: ['delete'] },
        conditions: [{ field: 'tool.args.force', operator: 'equals', value: true }],
      },
    ])
    expect(s.decide({ action: 'list', user: bob, tool: { name: 'delete' } }).effect).toBe('allow')
    expect(s.decide(call('delete', { force: true })).rule).toBe('no-force')
  })
})

describe('robustness', () => {
  const s = set([
    { name: 'all', effect: 'allow', conditions: [{ field: 'tool.args.a', operator: 'exists' }] },
  ])

  it.each([
    ['null', null],
    ['a string', 'call'],
    ['an unknown action', { action: 'delete', user: bob, tool: { name: 'x' } }],
    ['no user', { action: 'call', tool: { name: 'x' } }],
    ['two capabilities', { action: 'list', user: bob, tool: { name: 'x' }, prompt: { name: 'y' } }],
    ['the wrong capability for the action', { action: 'call', user: bob, resource: { uri: 'x' } }],
    ['a tool without a name', { action: 'call', user: bob, tool: {} }],
  ])('denies, never throws, on %s', (_label, request) => {
    const d = s.decide(request as PolicyRequest)
    expect(d.effect).toBe('deny')
    expect(d.rule).toBeNull()
    expect(d.reason).toMatch(/\w/)
    expect(s.explain(request as PolicyRequest).effect).toBe('deny')
  })

  it('denies when reading the request throws', () => {
    const args = Object.defineProperty({}, 'a', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    expect(s.decide(call('x', args)).effect).toBe('deny')
  })

  it('is immutable: changing the input after compiling changes nothing', () => {
    const input: PolicyInput = {
      name: 'p',
      rules: [{ name: 'r', effect: 'allow', agents: { roles: ['user'] } }],
    }
    const compiled = compilePolicies([input])
    input.rules[0]!.effect = 'deny'
    expect(compiled.decide(call('x')).effect).toBe('allow')
    expect(Object.isFrozen(compiled)).toBe(true)
    expect(Object.isFrozen(compiled.policies[0]!.rules[0])).toBe(true)
  })

  it('gives two sets with the same content the same version, and different content another', () => {
    const a = set([{ name: 'r', effect: 'allow' }])
    const b = set([{ name: 'r', effect: 'allow' }])
    const c = set([{ name: 'r', effect: 'deny' }])
    expect(a.version).toBe(b.version)
    expect(a.version).not.toBe(c.version)
  })
})

describe('explain', () => {
  const s = set([
    { name: 'admins', effect: 'allow', priority: 1000, agents: { roles: ['admin'] } },
    {
      name: 'big',
      effect: 'escalate',
      tools: { names: ['pay'] },
      conditions: [{ field: 'tool.args.amount', operator: 'gt', value: 100 }],
    },
    { name: 'users', effect: 'allow', agents: { roles: ['user'] }, actions: ['call'] },
    { name: 'prompts', effect: 'allow', prompts: { names: ['x'] } },
    { name: 'lists', effect: 'allow', actions: ['list'] },
  ])

  it('traces every rule with its outcome and marks the decisive one', () => {
    const e = s.explain(call('pay', { amount: 50 }))
    expect(e).toMatchObject({ effect: 'allow', rule: 'users' })
    expect(e.trace.map((t) => [t.rule, t.outcome, t.decisive])).toEqual([
      ['admins', 'agent_mismatch', false],
      ['big', 'condition_false', false],
      ['users', 'matched', true],
      ['prompts', 'kind_mismatch', false],
      ['lists', 'action_mismatch', false],
    ])
    expect(e.trace[1]!.detail).toBe('tool.args.amount gt 100')
  })

  it('reports a capability mismatch', () => {
    const e = s.explain({ action: 'get', user: bob, prompt: { name: 'y' } })
    expect(e.trace.find((t) => t.rule === 'prompts')!.outcome).toBe('capability_mismatch')
  })
})
