import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { WardenError } from '../../errors.js'
import {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
} from '../client/client-errors.js'
import type { WardenClient } from '../client/warden-client.js'
import type { ApiCallInput } from '../client/wire-types.js'
import { executeApiCallInput } from './tool-inputs.js'
import { approvalSummary, guarded, jsonResult, nextStep } from './tool-results.js'

const DEFAULT_WAIT_SECONDS = 50

/** list_vault_services and execute_api_call: API calls made with credentials the agent never holds. */
export function registerVaultTools(
  server: McpServer,
  client: WardenClient,
  progressSeconds: number,
): void {
  server.registerTool(
    'list_vault_services',
    {
      title: 'Vault services',
      description:
        'List the services whose API credentials are stored in the vault (names, auth type, ' +
        'allowed hosts; never the secrets). Use execute_api_call to call one of them.',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => guarded(async () => jsonResult(await client.listVaultServices())),
  )

  server.registerTool(
    'execute_api_call',
    {
      title: 'Call an API through the vault',
      description:
        'Make an HTTP API call with a credential stored in the vault. A human approves the ' +
        'exact call first (this tool waits, up to timeout_seconds); the vault then injects the ' +
        'credential, makes the call once and returns status_code, headers and body. You never ' +
        "see the credential. The URL must be https on one of the service's allowed hosts. If " +
        'the answer is still pending, call again with request_id.',
      inputSchema: executeApiCallInput,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ request_id, timeout_seconds, ...call }, extra) =>
      guarded(async () => {
        const id = request_id ?? (await client.requestApiCall(callInput(call), extra.signal)).id
        const seconds = timeout_seconds ?? DEFAULT_WAIT_SECONDS
        const progressToken = extra._meta?.progressToken
        let rounds = 0
        try {
          await client.waitForResult(id, {
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
        } catch (error) {
          if (error instanceof ActionTimeoutError) {
            return jsonResult({
              ...approvalSummary(error.view),
              next_step:
                `Still pending after ${seconds} s. Ask the user to approve at ` +
                `${error.view.approval_url} (fingerprint ${error.view.fingerprint}); then call ` +
                `execute_api_call again with request_id "${id}".`,
            })
          }
          if (error instanceof ActionDeniedError || error instanceof ActionExpiredError) {
            return jsonResult({ ...approvalSummary(error.view), next_step: nextStep(error.view) })
          }
          throw error
        }
        return jsonResult(await client.executeApprovedCall(id, extra.signal))
      }),
  )
}

function callInput(call: Partial<ApiCallInput>): ApiCallInput {
  const { service_name, method, url } = call
  if (service_name === undefined || method === undefined || url === undefined) {
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      'service_name, method and url are required (or request_id to resume a pending call)',
    )
  }
  return {
    service_name,
    method,
    url,
    ...(call.headers !== undefined ? { headers: call.headers } : {}),
    ...(call.body !== undefined ? { body: call.body } : {}),
    ...(call.description !== undefined ? { description: call.description } : {}),
  }
}
