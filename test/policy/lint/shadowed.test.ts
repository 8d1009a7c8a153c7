import { describe, expect, it } from 'vitest'
import { codes, lintFiles, lintRulesOf, withCode, type RuleInput } from './lint-helpers.js'

const admins: RuleInput = {
  name: 'admins',
  effect: 'allow',
  agents: { roles: ['admin'] },
  tools: { patterns: ['*'] },
  priority: 1000,
}

function shadowedBy(rules: RuleInput[]): (string | undefined)[] {
  return withCode(lintRulesOf(rules), 'W_SHADOWED_RULE').map(
    (f) => `${f.rule} by ${f.related?.rule}`,
  )
}

describe('shadowed rules', () => {
  it('warns when a higher-priority rule without conditions matches everything a rule matches', () => {
    const findings = lintRulesOf([
      admins,
      {
        name: 'admins_no_delete',
        effect: 'deny',
        agents: { roles: ['admin'] },
        tools: { names: ['delete_everything'] },
        actions: ['call'],
      },
    ])
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'W_SHADOWED_RULE',
        path: 'rules[1]',
        rule: 'admins_no_delete',
        related: expect.objectContaining({ policy: 'p', rule: 'admins' }),
      }),
    ])
  })

  it('warns when a deny at the same priority covers an allow', () => {
    expect(
      shadowedBy([
        { name: 'allow_x', effect: 'allow', tools: { names: ['x'] } },
        { name: 'deny_xy', effect: 'deny', tools: { names: ['x', 'y'] } },
      ]),
    ).toEqual(['allow_x by deny_xy'])
  })

  it('warns about an identical later rule with the same effect (dead code)', () => {
    const rule: RuleInput = { name: 'one', effect: 'allow', tools: { names: ['x'] } }
    expect(shadowedBy([rule, { ...rule, name: 'two' }])).toEqual(['two by one'])
  })

  it('treats roles as any-of: a rule for a subset of roles is covered', () => {
    expect(
      shadowedBy([
        { name: 'staff', effect: 'allow', agents: { roles: ['a', 'b'] }, priority: 200 },
        { name: 'a_only', effect: 'deny', agents: { roles: ['a'] } },
      ]),
    ).toEqual(['a_only by staff'])
  })

  it('treats roles "*" as covering every roles matcher', () => {
    expect(
      shadowedBy([
        { name: 'anyone_with_a_role', effect: 'allow', agents: { roles: ['*'] }, priority: 200 },
        { name: 'interns', effect: 'deny', agents: { roles: ['intern'] } },
      ]),
    ).toEqual(['interns by anyone_with_a_role'])
  })

  it('accepts a covering rule whose conditions are a subset of the covered rule', () => {
    const tenant = { field: 'user.claims.tenant', operator: 'equals' as const, value: 'acme' }
    expect(
      shadowedBy([
        { name: 'acme', effect: 'deny', conditions: [tenant], priority: 200 },
        {
          name: 'acme_big',
          effect: 'allow',
          conditions: [tenant, { field: 'tool.args.n', operator: 'gt', value: 5 }],
        },
      ]),
    ).toEqual(['acme_big by acme'])
  })

  it('treats the glob * as covering a glob without a slash', () => {
    expect(
      shadowedBy([
        { name: 'all', effect: 'deny', tools: { patterns: ['*'] }, priority: 200 },
        { name: 'svc', effect: 'allow', tools: { patterns: ['svc_*'] } },
      ]),
    ).toEqual(['svc by all'])
  })

  it('names a covering rule of another file', () => {
    const findings = lintFiles({
      'a.yaml': { name: 'a', rules: [{ ...admins }] },
      'b.yaml': {
        name: 'b',
        rules: [
          {
            name: 'admin_x',
            effect: 'allow',
            agents: { roles: ['admin'] },
            tools: { names: ['x'] },
          },
        ],
      },
    })
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'W_SHADOWED_RULE',
        file: 'b.yaml',
        line: 3,
        related: { file: 'a.yaml', line: 3, policy: 'a', rule: 'admins' },
      }),
    ])
  })

  it('ignores slots where the covered rule cannot match (argument conditions on list)', () => {
    expect(
      shadowedBy([
        {
          name: 'calls',
          effect: 'deny',
          tools: { names: ['pay'] },
          actions: ['call'],
          priority: 200,
        },
        {
          name: 'small',
          effect: 'allow',
          tools: { names: ['pay'] },
          actions: ['list', 'call'],
          conditions: [{ field: 'tool.args.amount', operator: 'lt', value: 10 }],
        },
      ]),
    ).toEqual(['small by calls'])
  })

  describe('does not warn when the higher rule may not match', () => {
    const cases: [string, RuleInput, RuleInput][] = [
      [
        'it has a condition the lower rule lacks',
        {
          name: 'hi',
          effect: 'deny',
          conditions: [{ field: 'user.claims.x', operator: 'equals', value: 1 }],
          priority: 200,
        },
        { name: 'lo', effect: 'allow' },
      ],
      [
        'the lower rule admits roles the higher does not',
        { name: 'hi', effect: 'deny', agents: { roles: ['a'] }, priority: 200 },
        { name: 'lo', effect: 'allow', agents: { roles: ['a', 'b'] } },
      ],
      [
        'it lists fewer actions',
        { name: 'hi', effect: 'deny', actions: ['call'], priority: 200 },
        { name: 'lo', effect: 'allow', tools: { names: ['x'] }, actions: ['list', 'call'] },
      ],
      [
        'its * does not cross the slash the lower glob has',
        { name: 'hi', effect: 'deny', tools: { patterns: ['*'] }, priority: 200 },
        { name: 'lo', effect: 'allow', tools: { patterns: ['fs/*'] } },
      ],
      [
        'it names tools and the lower rule applies to every tool',
        { name: 'hi', effect: 'deny', tools: { names: ['x'] }, priority: 200 },
        { name: 'lo', effect: 'allow', actions: ['call'] },
      ],
      [
        'it matches one user and the lower rule anyone',
        { name: 'hi', effect: 'deny', agents: { user_id: 'bob' }, priority: 200 },
        { name: 'lo', effect: 'allow' },
      ],
      [
        'its condition reads request.time, read anew by each rule',
        {
          name: 'hi',
          effect: 'deny',
          conditions: [{ field: 'request.time', operator: 'lt', value: '2030' }],
          priority: 200,
        },
        {
          name: 'lo',
          effect: 'allow',
          conditions: [{ field: 'request.time', operator: 'lt', value: '2030' }],
        },
      ],
    ]
    it.each(cases)('%s', (_, higher, lower) => {
      expect(codes(lintRulesOf([higher, lower]))).not.toContain('W_SHADOWED_RULE')
    })
  })

  it('does not warn when the covering rule is outranked (lower priority)', () => {
    expect(
      shadowedBy([
        { name: 'lo', effect: 'deny', priority: 50 },
        { name: 'hi', effect: 'allow', tools: { names: ['x'] } },
      ]),
    ).toEqual([])
  })

  it('does not warn when an allow covers a deny at the same priority (deny decides)', () => {
    expect(
      shadowedBy([
        { name: 'allow_all', effect: 'allow' },
        { name: 'deny_x', effect: 'deny', tools: { names: ['x'] } },
      ]),
    ).toEqual([])
  })
})
