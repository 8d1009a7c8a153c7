import type { CallToolResult, Result } from '@modelcontextprotocol/sdk/types.js'
import type { BackendApproval } from '../approval/backend/approval-backend.js'
import type { EscalationOutcome } from '../gate/escalation.js'
import type { Verdict } from '../gate/gate.js'
import { forward } from './forward.js'
import type { RouteContext } from './routes.js'

/**
 * A `tools/call` the policy escalated: ask for approval (waiting, with progress, or answering
 * "pending" at once), then forward exactly the approved arguments, once. Every refusal is a
 * tool error the model can read; nothing is forwarded unless approved.
 */
export async function escalatedCall(
  ctx: RouteContext,
  verdict: Verdict,
  tool: string,
  args: Record<string, unknown>,
  server: string,
  identityMeta: () => Record<string, unknown>,
): Promise<Result> {
  const escalator = ctx.escalator!
  const progressToken = ctx.extra._meta?.progressToken
  let ticks = 0
  const call = {
    server,
    principal: ctx.principal,
    tool,
    args,
    verdict,
    meta: {
      method: ctx.request.method,
      ...(ctx.extra.sessionId !== undefined ? { sessionId: ctx.extra.sessionId } : {}),
    },
    signal: ctx.extra.signal,
    onWaiting: (approval: BackendApproval, waitedMs: number) => {
      if (progressToken === undefined) return
      ticks += 1
      void ctx.extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: ticks,
            message: `waiting for approval ${approval.id}${approval.fingerprint ? ` (${approval.fingerprint})` : ''}, ${Math.round(waitedMs / 1000)} s so far`,
          },
        })
        .catch(() => undefined)
    },
  }
  const outcome = await escalator.escalate(call)
  if (outcome.kind !== 'run') return refusal(outcome, verdict)
  const request = {
    ...ctx.request,
    params: { ...ctx.request.params, arguments: outcome.args },
  }
  let ok = false
  try {
    const result = await forward(ctx.upstream.client, request, ctx.extra, {
      timeoutMs: ctx.timeoutMs,
      ...(ctx.forwardIdentity ? { meta: identityMeta() } : {}),
    })
    ok = result.isError !== true
    return result
  } finally {
    await escalator.finished(call, outcome.approval, ok)
  }
}

function refusal(
  outcome: Exclude<EscalationOutcome, { kind: 'run' }>,
  verdict: Verdict,
): CallToolResult {
  if (outcome.kind === 'pending') {
    const { approval } = outcome
    const lines = [
      `This call needs a human approval before it runs (approval ${approval.id}).`,
      ...(approval.approval_url ? [`Approver: ${approval.approval_url}`] : []),
      ...(approval.fingerprint ? [`Fingerprint: ${approval.fingerprint}`] : []),
      ...(approval.expires_at ? [`Expires: ${approval.expires_at}`] : []),
      'Once it is approved, make exactly the same call again (identical arguments); it will run once.',
    ]
    return {
      content: [{ type: 'text', text: lines.join('\n') }],
      isError: true,
    }
  }
  const id = outcome.approval ? `, approval ${outcome.approval.id}` : ''
  return {
    content: [
      {
        type: 'text',
        text: `mcp-warden did not run this call: ${outcome.message} (${outcome.code}${id}, decision ${verdict.decisionId})`,
      },
    ],
    isError: true,
  }
}
