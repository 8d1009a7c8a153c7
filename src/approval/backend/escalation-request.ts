import { canonicalDigest } from '../../audit/canonical-digest.js'
import { WardenError } from '../../errors.js'
import { ABSENT, checkFieldPath, parseFieldPath, resolvePath } from '../../policy/field-path.js'
import type { ApprovalSpec } from '../../policy/schema.js'
import type { ActionType, JsonValue, RiskLevel } from '../approval-request.js'
import type { EscalationRequest } from './approval-backend.js'
import {
  capLength,
  cleanText,
  renderDescription,
  renderTitle,
  type TemplateScope,
} from './render-template.js'

/** What an escalate rule without an `approval:` block (or without these keys) asks for. */
export const ESCALATION_DEFAULTS = {
  action_type: 'system' as ActionType,
  risk_level: 'high' as RiskLevel,
  expires_in: 300,
}
/** The approval service accepts expiries from 10 s to one day; a timeout outside is clamped. */
export const MIN_EXPIRY_SECONDS = 10
export const MAX_EXPIRY_SECONDS = 86_400
const MAX_RECIPIENT_LENGTH = 500

export interface EscalationInput {
  /** The deciding rule's `approval:` block; `{}` when it has none. */
  approval: ApprovalSpec
  rule: string
  /** `PolicySet.version` of the set that decided. */
  policyVersion: string
  /** The tool as the policy saw it (`{tool}`, `{tool.name}` in templates). */
  tool: string
  /** The call's arguments (`{tool.args.*}`, `{arguments.*}`, the amount path). */
  args: Readonly<Record<string, unknown>>
  /** `{server, tool, arguments, principal}` exactly as hashed; `{user.*}` reads its principal. */
  parameters: Readonly<Record<string, unknown>>
  /** The principal the call runs as. */
  createdBy: string
}

/**
 * The approval request for an escalated call, from the rule's `approval:` block and the real
 * call (never from anything the agent wrote about itself). Title and description templates are
 * rendered with every value escaped; absent keys take ESCALATION_DEFAULTS. Throws
 * ERR_APPROVAL_INVALID when the block's amount path does not lead to a non-negative number,
 * its currency is not an ISO 4217 code, or the parameters have no canonical JSON form.
 */
export function escalationRequestFor(input: EscalationInput): EscalationRequest {
  const spec = input.approval
  const parameters = jsonParameters(input.parameters)
  const server = input.parameters.server
  const scope: TemplateScope = {
    tool: { name: input.tool, args: input.args },
    user: input.parameters.principal,
    ...(typeof server === 'string' ? { server } : {}),
  }
  const title = spec.title !== undefined ? renderTitle(spec.title, scope) : ''
  const description =
    spec.description !== undefined ? renderDescription(spec.description, scope) : ''
  const amount = amountFor(spec.amount, scope)
  const currency = spec.currency?.trim().toUpperCase()
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      `approval currency: "${spec.currency}" is not ISO 4217`,
    )
  }
  const recipient = recipientFor(spec.recipient, scope)
  const fallbackTitle = typeof server === 'string' ? 'Call {tool} on {server}' : 'Call {tool}'
  return {
    action_type: spec.action_type ?? ESCALATION_DEFAULTS.action_type,
    title: title || renderTitle(fallbackTitle, scope),
    ...(description ? { description } : {}),
    risk_level: spec.risk_level ?? ESCALATION_DEFAULTS.risk_level,
    ...(amount !== undefined ? { amount } : {}),
    ...(currency !== undefined ? { currency } : {}),
    ...(recipient ? { recipient } : {}),
    parameters,
    created_by: input.createdBy,
    rule: input.rule,
    policy_version: input.policyVersion,
    expires_in: expirySeconds(spec.timeout),
  }
}

/** A JSON copy (undefined members dropped, as on the wire) that has a canonical form. */
function jsonParameters(parameters: Readonly<Record<string, unknown>>): JsonValue {
  try {
    canonicalDigest(parameters)
  } catch (error) {
    throw new WardenError('ERR_APPROVAL_INVALID', `parameters: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return JSON.parse(JSON.stringify(parameters)) as JsonValue
}

/** A literal amount, or the number a field path reads in the call; anything else refuses. */
function amountFor(spec: number | string | undefined, scope: TemplateScope): number | undefined {
  if (spec === undefined) return undefined
  const value = typeof spec === 'number' ? spec : readField(spec, scope)
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    const what = value === ABSENT ? 'is absent' : `is ${JSON.stringify(value)}`
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      `approval amount: ${spec} ${what}, not a non-negative number`,
    )
  }
  return value
}

/** A field path's value in the call, or the text itself when it is not a field path. */
function recipientFor(spec: string | undefined, scope: TemplateScope): string | undefined {
  if (spec === undefined) return undefined
  const value = checkFieldPath(spec) === null ? readField(spec, scope) : spec
  if (value === ABSENT) return undefined
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return capLength(cleanText(text, false).trim(), MAX_RECIPIENT_LENGTH) || undefined
}

function readField(path: string, scope: TemplateScope): unknown {
  const { root, segments } = parseFieldPath(path)
  return resolvePath(scope[root], segments)
}

/** A rule's `timeout` (seconds, or `30s`, `5m`, `500ms`…) as whole seconds, clamped. */
export function expirySeconds(timeout: number | string | undefined): number {
  if (timeout === undefined) return ESCALATION_DEFAULTS.expires_in
  const ms = typeof timeout === 'number' ? timeout * 1000 : durationMs(timeout)
  const seconds = Math.ceil(ms / 1000)
  return Math.min(MAX_EXPIRY_SECONDS, Math.max(MIN_EXPIRY_SECONDS, seconds))
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim())
  if (!match) throw new WardenError('ERR_APPROVAL_INVALID', `approval timeout: "${text}"`)
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}
