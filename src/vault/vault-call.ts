import { z } from 'zod'
import { WardenError } from '../errors.js'
import {
  ACTION_TYPES,
  RISK_LEVELS,
  type ActionType,
  type JsonValue,
} from '../approval/approval-request.js'

export const VAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
export type VaultMethod = (typeof VAULT_METHODS)[number]

/** The approval request's parameters for a vault call: exactly what runs, and all of it. */
export interface VaultCall {
  kind: 'vault_call'
  service: string
  method: VaultMethod
  /** Absolute https URL, as the URL parser normalised it. */
  url: string
  headers: Record<string, string>
  body: string | null
}

const callShape = {
  method: z.enum(VAULT_METHODS),
  url: z.string().min(1).max(8000),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().nullable().optional(),
}

/** `POST /api/v1/vault/execute`: SynAuth's fields (`service_name`), plus request options. */
const requestSchema = z.strictObject({
  service_name: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  ...callShape,
  description: z.string().max(4000).optional(),
  action_type: z.enum(ACTION_TYPES).optional(),
  risk_level: z.enum(RISK_LEVELS).optional(),
  callback_url: z.string().optional(),
  expires_in: z.number().optional(),
})

const storedSchema = z.strictObject({
  kind: z.literal('vault_call'),
  service: z.string().min(1),
  ...callShape,
  headers: z.record(z.string(), z.string()),
  body: z.string().nullable(),
})

/** The call an agent asks for and the approval-request input that carries it. */
export function vaultCallRequest(input: unknown): {
  call: VaultCall
  request: Record<string, unknown>
} {
  const parsed = requestSchema.safeParse(input)
  if (!parsed.success) throw invalid(parsed.error)
  const { service_name, service, description, action_type, ...rest } = parsed.data
  const name = service_name ?? service
  if (name === undefined) throw new WardenError('ERR_APPROVAL_INVALID', 'service_name: is required')
  if (service_name !== undefined && service !== undefined && service_name !== service) {
    throw new WardenError('ERR_APPROVAL_INVALID', 'service: differs from service_name')
  }
  const call = normaliseCall({
    kind: 'vault_call',
    service: name,
    method: rest.method,
    url: rest.url,
    headers: rest.headers ?? {},
    body: rest.body ?? null,
  })
  const title = (description?.split('\n')[0]?.trim() || `${call.method} ${call.url}`).slice(0, 200)
  return {
    call,
    request: {
      action_type: action_type ?? defaultActionType(call.method),
      title,
      ...(description !== undefined ? { description } : {}),
      ...(rest.risk_level !== undefined ? { risk_level: rest.risk_level } : {}),
      ...(rest.callback_url !== undefined ? { callback_url: rest.callback_url } : {}),
      ...(rest.expires_in !== undefined ? { expires_in: rest.expires_in } : {}),
      parameters: call as unknown as JsonValue,
    },
  }
}

/** The vault call a stored request carries, or undefined if its parameters are not one. */
export function readVaultCall(parameters: JsonValue): VaultCall | undefined {
  const parsed = storedSchema.safeParse(parameters)
  return parsed.success ? (parsed.data as VaultCall) : undefined
}

/** Reading is data access; anything else changes something. */
export function defaultActionType(method: VaultMethod): ActionType {
  return method === 'GET' || method === 'HEAD' ? 'data_access' : 'system'
}

function normaliseCall(call: VaultCall): VaultCall {
  return { ...call, url: checkCallShape(call).href }
}

/**
 * The call's URL, parsed, once the checks that need no credential pass: https only, no
 * user info or fragment, no body on GET or HEAD. Run on every call, stored ones included.
 */
export function checkCallShape(call: VaultCall): URL {
  let url: URL
  try {
    url = new URL(call.url)
  } catch {
    throw new WardenError('ERR_APPROVAL_INVALID', 'url: is not an absolute URL')
  }
  if (url.protocol !== 'https:') {
    throw new WardenError(
      'ERR_HOST_NOT_ALLOWED',
      `url: the vault calls https URLs only, not ${url.protocol}`,
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw new WardenError('ERR_APPROVAL_INVALID', 'url: must not carry a user name or password')
  }
  if (url.hash !== '') {
    throw new WardenError('ERR_APPROVAL_INVALID', 'url: must not have a #fragment')
  }
  if (call.body !== null && (call.method === 'GET' || call.method === 'HEAD')) {
    throw new WardenError('ERR_APPROVAL_INVALID', `body: ${call.method} takes no body`)
  }
  return url
}

function invalid(error: z.ZodError): WardenError {
  const issue = error.issues[0]!
  return new WardenError(
    'ERR_APPROVAL_INVALID',
    `${issue.path.join('.') || 'body'}: ${issue.message}`,
  )
}
