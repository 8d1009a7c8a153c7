/** The role the API-key identity of the authorizing target holds. */
export const BENCH_ROLE = 'bench'

/**
 * The authorizing target's policy: 100 rules. 98 concern other roles, tools, resources and
 * prompts (names, patterns, user globs, conditions, escalations, high-priority guards); two
 * concern `echo`: a guard that refuses a forbidden message (its condition is evaluated and false
 * on every bench call) and, last in load order, the rule that allows `echo` for the bench role.
 */
export function hundredRulePolicy() {
  const rules = []
  for (let i = 0; i < 30; i++) {
    rules.push({
      name: `team${i}-reads`,
      effect: 'allow',
      agents: { roles: [`team${i}`] },
      tools: { patterns: [`svc${i}_read_*`, `svc${i}_list_*`] },
      actions: ['list', 'call'],
    })
  }
  for (let i = 0; i < 20; i++) {
    rules.push({
      name: `team${i}-no-forced-delete`,
      effect: 'deny',
      agents: { roles: [`team${i}`] },
      tools: { names: [`svc${i}_delete`] },
      actions: ['call'],
      conditions: [{ field: 'tool.args.force', operator: 'equals', value: true }],
    })
  }
  for (let i = 0; i < 15; i++) {
    rules.push({
      name: `team${i}-writes-own-data`,
      effect: 'allow',
      agents: { roles: [`team${i}`, 'maintainer'] },
      tools: { names: [`svc${i}_write`, `svc${i}_edit`] },
      actions: ['call'],
      conditions: [{ field: 'tool.args.path', operator: 'glob', value: `/data/team${i}/**` }],
    })
  }
  for (let i = 0; i < 10; i++) {
    rules.push({
      name: `pay${i}-large-transfers-need-approval`,
      effect: 'escalate',
      agents: { roles: ['finance', `team${i}`] },
      tools: { names: [`pay${i}_transfer`] },
      actions: ['call'],
      priority: 500,
      conditions: [{ field: 'tool.args.amount', operator: 'gt', value: 1000 }],
      approval: { action_type: 'purchase', risk_level: 'high', amount: 'tool.args.amount' },
    })
  }
  for (let i = 0; i < 10; i++) {
    rules.push({
      name: `sql${i}-no-schema-changes`,
      effect: 'deny',
      tools: { names: [`sql${i}_query`, `sql${i}_execute`] },
      actions: ['call'],
      priority: 900,
      conditions: [
        {
          field: 'tool.args.sql',
          operator: 'regex',
          value: '\\b(drop|alter|truncate|grant|revoke)\\b',
          flags: 'i',
        },
      ],
    })
  }
  for (let i = 0; i < 8; i++) {
    rules.push({
      name: `ops${i}-on-call`,
      effect: 'allow',
      agents: { user_id: [`ops-${i}-*`], agent_id: 'claude*' },
      tools: { patterns: [`ops${i}_*`] },
      actions: ['list', 'call'],
    })
  }
  for (let i = 0; i < 5; i++) {
    rules.push({
      name: `team${i}-reads-files-and-prompts`,
      effect: 'allow',
      agents: { roles: [`team${i}`] },
      resources: { patterns: [`file:///team${i}/**`] },
      prompts: { patterns: [`team${i}_*`] },
      actions: ['list', 'read', 'get'],
    })
  }
  rules.push({
    name: 'echo-refuses-forbidden-messages',
    effect: 'deny',
    tools: { names: ['echo'] },
    actions: ['call'],
    priority: 900,
    conditions: [{ field: 'tool.args.message', operator: 'contains', value: 'FORBIDDEN' }],
  })
  rules.push({
    name: 'bench-echoes',
    effect: 'allow',
    agents: { roles: [BENCH_ROLE] },
    tools: { names: ['echo'] },
    actions: ['list', 'call'],
  })
  return { name: 'bench-proxy', default_effect: 'deny', rules }
}

/** The baseline target's policy: one rule that allows everything to everybody. */
export function allowAllPolicy() {
  return {
    name: 'bench-allow-all',
    default_effect: 'deny',
    rules: [{ name: 'allow-everything', effect: 'allow', actions: ['*'] }],
  }
}
