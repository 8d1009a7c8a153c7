import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { ActionRequestInput } from '../client/wire-types.js'
import {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
} from '../client/client-errors.js'
import type { WardenClient } from '../client/warden-client.js'
import {
  approvalHistoryInput,
  checkApprovalInput,
  requestApprovalInput,
  waitForApprovalInput,
} from './tool-inputs.js'
import { approvalSummary, guarded, historyEntry, jsonResult, nextStep } from './tool-results.js'
import { registerVaultTools } from './vault-tools.js'

export const APPROVALS_MCP_SERVER_NAME = 'warden-approvals'
const DEFAULT_WAIT_SECONDS = 50
const DEFAULT_HISTORY_LIMIT = 20
// With a progress token the client can keep resetting its own timeout, so poll in short rounds.
const PROGRESS_POLL_SECONDS = 10

export interface ApprovalsMcpServerSettings {
  /** Seconds between progress notifications while wait_for_approval waits (default 10). */
  progressIntervalSeconds?: number
}

const INSTRUCTIONS =
  'Human approval for sensitive actions. Before sending messages, spending money, booking, ' +
  'posting, accessing sensitive data, signing or changing systems, call request_approval, ' +
  'then wait_for_approval. Act only when the status is approved, and act with exactly the ' +
  'approved parameters. Denied or expired means do not act.'

const readOnly = { readOnlyHint: true, openWorldHint: false } as const

/** The seven SynAuth tools over an agent SDK client. */
export function createApprovalsMcpServer(
  client: WardenClient,
  settings: ApprovalsMcpServerSettings = {},
): McpServer {
  const progressSeconds = settings.progressIntervalSeconds ?? PROGRESS_POLL_SECONDS
  const server = new McpServer(
    { name: APPROVALS_MCP_SERVER_NAME, version: '0.1.0' },
    { instructions: INSTRUCTIONS },
  )

  server.registerTool(
    'request_approval',
    {
      title: 'Request human approval',
      description:
        'Submit an action for human approval (passkey/Face ID or authenticator code) BEFORE ' +
        'doing it. Returns immediately with the request id, status (usually pending; an ' +
        'auto-rule may approve or deny at once), the approval URL and a fingerprint such as ' +
        '"3FA9 0C12" the user can check in the inbox. Then call wait_for_approval. Check ' +
        'get_spending_summary before purchases.',
      inputSchema: requestApprovalInput,
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    (input) =>
      guarded(async () => {
        const view = await client.requestAction(input as ActionRequestInput)
        return jsonResult({ ...approvalSummary(view), next_step: nextStep(view) })
      }),
  )

  server.registerTool(
    'check_approval',
    {
      title: 'Check an approval request',
      description:
        'Check the current status of an approval request without waiting: pending, approved, ' +
        'denied (with the reason), expired or executed (already used).',
      inputSchema: checkApprovalInput,
      annotations: readOnly,
    },
    ({ request_id }) =>
      guarded(async () => {
        const view = await client.getAction(request_id)
        return jsonResult({ ...approvalSummary(view), next_step: nextStep(view) })
      }),
  )

  server.registerTool(
    'wait_for_approval',
    {
      title: 'Wait for an approval decision',
      description:
        'Block until the approval request is approved, denied or expired, or until ' +
        `timeout_seconds (default ${DEFAULT_WAIT_SECONDS}) pass. Reports who resolved it and ` +
        'how (passkey, totp or an auto-rule) and the fingerprint. Proceed only when status is ' +
        'approved; if it is still pending, call this tool again.',
      inputSchema: waitForApprovalInput,
      annotations: readOnly,
    },
    ({ request_id, timeout_seconds }, extra) =>
      guarded(async () => {
        const seconds = timeout_seconds ?? DEFAULT_WAIT_SECONDS
        const progressToken = extra._meta?.progressToken
        let rounds = 0
        try {
          const view = await client.waitForResult(request_id, {
            timeoutMs: seconds * 1000,
            signal: extra.signal,
            ...(progressToken === undefined
              ? {}
              : {
                  pollSeconds: progressSeconds,
                  onPending: (pending) =>
                    extra.sendNotification({
                      method: 'notifications/progress',
                      params: { progressToken, progress: ++rounds, message: nextStep(pending) },
                    }),
                }),
          })
          return jsonResult({ ...approvalSummary(view), next_step: nextStep(view) })
        } catch (error) {
          if (error instanceof ActionTimeoutError) {
            return jsonResult({
              ...approvalSummary(error.view),
              next_step: nextStep(error.view, seconds),
            })
          }
          if (error instanceof ActionDeniedError || error instanceof ActionExpiredError) {
            return jsonResult({ ...approvalSummary(error.view), next_step: nextStep(error.view) })
          }
          throw error
        }
      }),
  )

  server.registerTool(
    'get_spending_summary',
    {
      title: 'Spending against limits',
      description:
        'Check spending against the configured limits before making a purchase: for each ' +
        'limit that applies to you, the period, limit, amount spent, remaining and utilization ' +
        'percentage of the current window. A request over a limit cannot be approved.',
      annotations: readOnly,
    },
    () => guarded(async () => jsonResult(await client.getSpendingSummary())),
  )

  server.registerTool(
    'get_approval_history',
    {
      title: 'Past approval requests',
      description:
        'Review your past approval requests, newest first: approved, denied (with reasons), ' +
        'expired, executed and pending. Filter by status or action type.',
      inputSchema: approvalHistoryInput,
      annotations: readOnly,
    },
    ({ limit, status, action_type }) =>
      guarded(async () => {
        const history = await client.getHistory({
          limit: limit ?? DEFAULT_HISTORY_LIMIT,
          ...(status !== undefined ? { status } : {}),
          ...(action_type !== undefined ? { action_type } : {}),
        })
        return jsonResult({ actions: history.actions.map(historyEntry) })
      }),
  )

  registerVaultTools(server, client, progressSeconds)

  return server
}
