import { z } from 'zod'
import { ACTION_TYPES, APPROVAL_STATUSES, RISK_LEVELS } from '../approval-request.js'

/** Input shapes of the seven tools (zod raw shapes, as McpServer.registerTool takes them). */

const requestId = z.string().min(1).describe('The id request_approval returned (apr_…).')

export const requestApprovalInput = {
  action_type: z
    .enum(ACTION_TYPES)
    .describe(
      'communication (emails, messages), purchase (buying, payments), scheduling (bookings, ' +
        'calendar), legal (contracts), data_access (queries, downloads), social (posts), ' +
        'system (config changes, restarts, deployments).',
    ),
  title: z
    .string()
    .min(1)
    .max(200)
    .describe('One line the approver reads first, e.g. "Send Q4 report to investors@acme.com".'),
  description: z.string().max(4000).optional().describe('Details the approver needs to decide.'),
  risk_level: z
    .enum(RISK_LEVELS)
    .optional()
    .describe('Raises the risk above the action type default; it cannot lower it.'),
  amount: z
    .number()
    .nonnegative()
    .optional()
    .describe('Money involved, checked against spending limits.'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .describe('ISO 4217 code, e.g. USD.'),
  recipient: z.string().max(500).optional().describe('Who receives the message, payment or data.'),
  parameters: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'The exact arguments you will act with (e.g. {"to": …, "subject": …, "body": …}). The ' +
        'approver sees them and the approval covers their hash; act with exactly these.',
    ),
  callback_url: z
    .string()
    .url()
    .optional()
    .describe('http(s) URL to receive a signed webhook when resolved.'),
  expires_in: z
    .number()
    .int()
    .min(10)
    .max(86_400)
    .optional()
    .describe('Seconds until the request expires (default 300).'),
}

export const checkApprovalInput = { request_id: requestId }

export const waitForApprovalInput = {
  request_id: requestId,
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(600)
    .optional()
    .describe('How long to block, in seconds (default 50). If still pending, call again.'),
}

export const approvalHistoryInput = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe('How many, newest first (default 20).'),
  status: z.enum(APPROVAL_STATUSES).optional().describe('Only requests with this status.'),
  action_type: z.enum(ACTION_TYPES).optional().describe('Only requests of this action type.'),
}

export const executeApiCallInput = {
  service_name: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A service from list_vault_services, e.g. "github". Required unless request_id is given.',
    ),
  method: z
    .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
    .optional()
    .describe('HTTP method. Required unless request_id is given.'),
  url: z
    .string()
    .url()
    .optional()
    .describe(
      "Full https URL; its host must be in the service's allowed hosts. Required unless request_id is given.",
    ),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Extra headers, without credentials: the vault adds those (Authorization, Cookie, Host ' +
        "and the service's own header are refused).",
    ),
  body: z.string().optional().describe('Request body as a string (JSON text for JSON APIs).'),
  description: z
    .string()
    .max(4000)
    .optional()
    .describe(
      'What the call does, in words the approver understands; the first line is the title.',
    ),
  request_id: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The request_id an earlier execute_api_call returned while still pending: waits for that ' +
        'approval again and makes the approved call. The call fields are then ignored.',
    ),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(600)
    .optional()
    .describe('How long to wait for the approval, in seconds (default 50).'),
}
