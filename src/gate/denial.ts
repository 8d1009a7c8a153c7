import { PolicyDeniedError } from '../errors.js'
import type { Verdict } from './gate.js'

/**
 * The model-readable text of a refusal. Names no rule unless `exposeRuleNames`: the id lets an
 * operator find the decision in the audit log instead.
 */
export function denialMessage(verdict: Verdict, subject: string, exposeRuleNames: boolean): string {
  const { decision, decisionId } = verdict
  const reason =
    decision.effect === 'escalate'
      ? `${subject} requires a human approval, and no approval backend is configured`
      : decision.rule === null
        ? `no policy rule allows ${subject}`
        : `a policy rule forbids ${subject}`
  const rule =
    exposeRuleNames && decision.rule !== null
      ? ` [rule "${decision.rule}" of policy "${decision.policy}"]`
      : ''
  return `mcp-warden denied this call: ${reason}${rule} (decision ${decisionId})`
}

/** The same refusal as an error, for methods whose denial is a protocol error (read, get). */
export function denialError(
  verdict: Verdict,
  subject: string,
  exposeRuleNames: boolean,
): PolicyDeniedError {
  const code =
    verdict.decision.effect === 'escalate' ? 'ERR_APPROVAL_REQUIRED' : 'ERR_POLICY_DENIED'
  return new PolicyDeniedError(
    code,
    denialMessage(verdict, subject, exposeRuleNames),
    verdict.decisionId,
  )
}
