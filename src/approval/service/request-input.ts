import { z } from 'zod'
import { WardenError } from '../../errors.js'
import { canonicalDigest } from '../../audit/canonical-digest.js'
import {
  ACTION_TYPES,
  DEFAULT_EXPIRY_SECONDS,
  DEFAULT_RISK,
  RISK_LEVELS,
  type ActionType,
  type JsonValue,
  type RiskLevel,
} from '../approval-request.js'
import type { NewApprovalRequest } from '../../store/store.js'
import { newId } from '../../store/ids.js'

/** What an agent may send to create a request (SynAuth's fields plus parameters and expiry). */
export const requestInputSchema = z.strictObject({
  action_type: z.enum(ACTION_TYPES),
  title: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().max(4000).optional(),
  risk_level: z.enum(RISK_LEVELS).optional(),
  amount: z.number().finite().nonnegative().optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .optional(),
  recipient: z.string().max(500).optional(),
  parameters: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  callback_url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000)
    .optional(),
  expires_in: z.number().int().min(10).max(86_400).optional(),
})
export type RequestInput = z.input<typeof requestInputSchema>

/** What a policy escalation decided; these facts come from the real call, not the agent. */
export interface PolicyFacts {
  rule: string
  policy_version: string
  action_type?: ActionType
  risk_level?: RiskLevel
  amount?: number
  currency?: string
  recipient?: string
}

/** Who creates the request: the agent's principal, and the policy facts when a policy escalated. */
export interface RequestCreator {
  created_by: string
  policy?: PolicyFacts
}

const RISK_ORDER: readonly RiskLevel[] = RISK_LEVELS

/** The higher of two risk levels: a declared risk can raise the floor, never lower it. */
export function higherRisk(a: RiskLevel, b: RiskLevel | undefined): RiskLevel {
  if (b === undefined) return a
  return RISK_ORDER.indexOf(b) > RISK_ORDER.indexOf(a) ? b : a
}

/** Validates agent input into a store record; ERR_APPROVAL_INVALID names the field. */
export function buildNewRequest(
  input: unknown,
  creator: RequestCreator,
  now: number,
  defaultExpirySeconds = DEFAULT_EXPIRY_SECONDS,
): NewApprovalRequest {
  const parsed = requestInputSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.join('.') || 'body'
    throw new WardenError('ERR_APPROVAL_INVALID', `${field}: ${issue.message}`)
  }
  const body = parsed.data
  const policy = creator.policy
  const action_type = policy?.action_type ?? body.action_type
  // The policy's risk is authoritative; without one, the action type's default is the floor.
  const floor = policy?.risk_level ?? DEFAULT_RISK[action_type]
  const amount = policy?.amount ?? body.amount
  const currency = policy?.currency ?? body.currency
  const recipient = policy?.recipient ?? body.recipient
  const parameters = (body.parameters ?? {
    action_type,
    title: body.title,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(amount !== undefined ? { amount } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(recipient !== undefined ? { recipient } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
  }) as JsonValue
  const content_hash = hashParameters(parameters)
  const created = new Date(now)
  const expires = new Date(now + 1000 * (body.expires_in ?? defaultExpirySeconds))
  return {
    id: newId('apr'),
    created_by: creator.created_by,
    action_type,
    title: body.title,
    ...(body.description !== undefined ? { description: body.description } : {}),
    risk_level: higherRisk(floor, body.risk_level),
    ...(amount !== undefined ? { amount } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(recipient !== undefined ? { recipient } : {}),
    parameters: JSON.parse(JSON.stringify(parameters)) as JsonValue,
    content_hash,
    ...(policy ? { rule: policy.rule, policy_version: policy.policy_version } : {}),
    ...(body.callback_url !== undefined ? { callback_url: body.callback_url } : {}),
    created_at: created.toISOString(),
    expires_at: expires.toISOString(),
  }
}

function hashParameters(parameters: JsonValue): string {
  try {
    return canonicalDigest(parameters)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new WardenError('ERR_APPROVAL_INVALID', `parameters: ${message}`)
  }
}
