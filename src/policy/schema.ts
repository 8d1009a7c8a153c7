import { z } from 'zod'
import { checkFieldPath } from './field-path.js'
import { checkGlob } from './glob.js'
import { checkRegex } from './regex-safety.js'

export const OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'glob',
] as const
export type Operator = (typeof OPERATORS)[number]

export const ACTIONS = ['list', 'call', 'read', 'get', '*'] as const
export const ACTION_TYPES = [
  'communication',
  'purchase',
  'scheduling',
  'legal',
  'data_access',
  'social',
  'system',
] as const
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const

export interface LeafCondition {
  field: string
  operator: Operator
  value?: unknown
  /** Regex flags (`i`, `m`, `s`, `u`); only with `operator: regex`. */
  flags?: string
}
export type Condition =
  LeafCondition | { any: Condition[] } | { all: Condition[] } | { not: Condition }

const nonEmptyString = z.string().min(1, 'must not be empty')
const valueList = z
  .array(nonEmptyString)
  .min(1, 'must list at least one value; omit the field to match any')
const globList = z
  .array(nonEmptyString.superRefine(refineGlob))
  .min(1, 'must list at least one value; omit the field to match any')
const oneOrMoreGlobs = z.union([nonEmptyString.superRefine(refineGlob), globList])

function refineGlob(pattern: string, ctx: z.RefinementCtx): void {
  const problem = checkGlob(pattern)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
}

function refineFieldPath(path: string, ctx: z.RefinementCtx): void {
  const problem = checkFieldPath(path)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
}

const durationSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 5m or 1h'),
])

export const approvalSpecSchema = z.strictObject({
  action_type: z.enum(ACTION_TYPES).optional(),
  risk_level: z.enum(RISK_LEVELS).optional(),
  amount: z.union([z.number(), nonEmptyString.superRefine(refineFieldPath)]).optional(),
  currency: nonEmptyString.optional(),
  recipient: nonEmptyString.optional(),
  title: nonEmptyString.optional(),
  description: nonEmptyString.optional(),
  timeout: durationSchema.optional(),
  wait: z.enum(['block', 'return']).optional(),
})
export type ApprovalSpec = z.output<typeof approvalSpecSchema>

const conditionShape = z.strictObject({
  field: nonEmptyString.superRefine(refineFieldPath).optional(),
  operator: z.enum(OPERATORS).optional(),
  value: z.unknown().optional(),
  flags: z
    .string()
    .regex(/^[imsu]*$/, 'regex flags may only be i, m, s, u')
    .optional(),
  get any() {
    return z.array(conditionSchema).min(1, 'a group lists at least one condition').optional()
  },
  get all() {
    return z.array(conditionSchema).min(1, 'a group lists at least one condition').optional()
  },
  get not() {
    return conditionSchema.optional()
  },
})

export const conditionSchema: z.ZodType<Condition> = conditionShape.superRefine((c, ctx) => {
  const groups = (['any', 'all', 'not'] as const).filter((k) => c[k] !== undefined)
  const isLeaf = c.field !== undefined || c.operator !== undefined || c.value !== undefined
  if (groups.length > 1 || (groups.length === 1 && (isLeaf || c.flags !== undefined))) {
    ctx.addIssue({
      code: 'custom',
      message: 'a condition is either {field, operator, value} or one group (any, all or not)',
    })
    return
  }
  if (groups.length === 1) return
  if (c.field === undefined)
    ctx.addIssue({ code: 'custom', path: ['field'], message: 'is required' })
  if (c.operator === undefined) {
    ctx.addIssue({ code: 'custom', path: ['operator'], message: 'is required' })
    return
  }
  const problem = checkOperand(c.operator, c.value, c.flags)
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message })
}) as unknown as z.ZodType<Condition>

function checkOperand(
  operator: Operator,
  value: unknown,
  flags: string | undefined,
): { key: string; message: string } | null {
  if (flags !== undefined && operator !== 'regex') {
    return { key: 'flags', message: 'flags are only allowed with operator regex' }
  }
  if (value === undefined && operator !== 'exists') return { key: 'value', message: 'is required' }
  switch (operator) {
    case 'in':
    case 'not_in':
      return Array.isArray(value) ? null : { key: 'value', message: `${operator} needs a list` }
    case 'starts_with':
    case 'ends_with':
    case 'glob':
    case 'regex':
      if (typeof value !== 'string') return { key: 'value', message: `${operator} needs a string` }
      if (operator === 'glob') return keyed(checkGlob(value))
      if (operator === 'regex') return keyed(checkRegex(value, flags))
      return null
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' || typeof value === 'string'
        ? null
        : { key: 'value', message: `${operator} needs a number or a string` }
    case 'exists':
      return value === undefined || typeof value === 'boolean'
        ? null
        : { key: 'value', message: 'exists needs true or false' }
    default:
      return null
  }
}

function keyed(message: string | null): { key: string; message: string } | null {
  return message ? { key: 'value', message } : null
}

export const agentMatcherSchema = z.strictObject({
  user_id: oneOrMoreGlobs.optional(),
  agent_id: oneOrMoreGlobs.optional(),
  roles: valueList.optional(),
  patterns: globList.optional(),
})
export const toolMatcherSchema = z.strictObject({
  names: valueList.optional(),
  patterns: globList.optional(),
  namespaces: valueList.optional(),
  tags: valueList.optional(),
  annotations: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).optional(),
})
export const resourceMatcherSchema = z.strictObject({
  uris: valueList.optional(),
  patterns: globList.optional(),
  schemes: valueList.optional(),
})
export const promptMatcherSchema = z.strictObject({
  names: valueList.optional(),
  patterns: globList.optional(),
  tags: valueList.optional(),
})

export const ruleSchema = z
  .strictObject({
    name: nonEmptyString,
    description: z.string().optional(),
    effect: z.enum(['allow', 'deny', 'escalate']),
    priority: z.number().int('must be an integer').default(100),
    agents: agentMatcherSchema.optional(),
    tools: toolMatcherSchema.optional(),
    resources: resourceMatcherSchema.optional(),
    prompts: promptMatcherSchema.optional(),
    actions: z
      .array(z.enum(ACTIONS))
      .min(1, 'must list at least one action; omit the field for all')
      .optional(),
    conditions: z.array(conditionSchema).optional(),
    approval: approvalSpecSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.approval !== undefined && rule.effect !== 'escalate') {
      ctx.addIssue({
        code: 'custom',
        path: ['approval'],
        message: 'is only allowed on a rule with effect: escalate',
      })
    }
  })

export const policySchema = z.strictObject({
  name: nonEmptyString,
  description: z.string().optional(),
  version: z.union([z.string(), z.number()]).transform(String).default('1'),
  default_effect: z.enum(['allow', 'deny']).default('deny'),
  tags: z.array(z.string()).default([]),
  created_by: z.string().optional(),
  /** JSON-RPC methods the bridge does not know, which this policy lets through (exact names). */
  allow_methods: z
    .array(nonEmptyString.regex(/^[A-Za-z0-9_./-]+$/, 'must be a JSON-RPC method name'))
    .min(1, 'must list at least one method; omit the field otherwise')
    .optional(),
  rules: z.array(ruleSchema),
})

export type Rule = z.output<typeof ruleSchema>
export type AgentMatcher = z.output<typeof agentMatcherSchema>
export type ToolMatcher = z.output<typeof toolMatcherSchema>
export type ResourceMatcher = z.output<typeof resourceMatcherSchema>
export type PromptMatcher = z.output<typeof promptMatcherSchema>

/** Where a loaded policy came from, for errors, lint findings and coverage. */
export interface PolicySource {
  file: string
  line: number
  /** 1-based line of each rule, in rule order. */
  ruleLines: number[]
}

/** A validated policy, as the loader and the builder both produce it. */
export type Policy = z.output<typeof policySchema> & { source?: PolicySource }
/** The policy as written, before defaults are applied. */
export type PolicyInput = z.input<typeof policySchema>
