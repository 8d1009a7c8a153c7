import { z } from 'zod'
import { ACTION_TYPES, RISK_LEVELS } from '../approval-request.js'
import { checkGlob } from '../../policy/glob.js'

/** The top-level `kind` that tells an approval-rules file from a policy in the same folder. */
export const APPROVAL_RULES_KIND = 'approval-rules'

const nonEmptyString = z.string().min(1, 'must not be empty')
const amount = z.number().finite('must be a finite number')

function listOf<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, 'must list at least one value; omit the field to match any')
}

const agentGlob = nonEmptyString.superRefine((pattern, ctx) => {
  const problem = checkGlob(pattern)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

export const approvalRuleSchema = z
  .strictObject({
    name: nonEmptyString,
    description: z.string().optional(),
    effect: z.enum(['auto_approve', 'auto_deny']),
    action_types: listOf(z.enum(ACTION_TYPES)).optional(),
    risk_levels: listOf(z.enum(RISK_LEVELS)).optional(),
    max_amount: amount.optional(),
    min_amount: amount.optional(),
    agents: listOf(agentGlob).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.min_amount !== undefined && rule.max_amount !== undefined) {
      if (rule.min_amount > rule.max_amount) {
        ctx.addIssue({
          code: 'custom',
          path: ['min_amount'],
          message: `is above max_amount (${rule.max_amount}), so the rule never matches`,
        })
      }
    }
    const restricted = [
      rule.action_types,
      rule.risk_levels,
      rule.max_amount,
      rule.min_amount,
      rule.agents,
    ].some((field) => field !== undefined)
    // An unrestricted auto_approve would approve every request without a human: say so explicitly.
    if (rule.effect === 'auto_approve' && !restricted) {
      ctx.addIssue({
        code: 'custom',
        path: ['effect'],
        message:
          'auto_approve needs at least one of action_types, risk_levels, max_amount, min_amount or agents',
      })
    }
  })

export const approvalRulesFileSchema = z.strictObject({
  kind: z.literal(APPROVAL_RULES_KIND, { error: `must be "${APPROVAL_RULES_KIND}"` }),
  description: z.string().optional(),
  rules: z.array(approvalRuleSchema),
})

export type ApprovalRule = z.output<typeof approvalRuleSchema>
