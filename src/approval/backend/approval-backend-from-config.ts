import { resolve } from 'node:path'
import { z } from 'zod'
import { WardenError } from '../../errors.js'
import { DEFAULT_STORE_PATH, openStore } from '../../store/open-store.js'
import type { ApprovalBackend } from './approval-backend.js'
import { createBuiltinApprovalBackend } from './builtin-approval-backend.js'
import { createHttpApprovalBackend } from './http-approval-backend.js'
import { openBuiltinApprovalService } from './open-builtin-service.js'

const text = z.string().trim().min(1, 'must not be empty')

/** `approvals:` in warden.yaml. */
export const approvalsConfigSchema = z.strictObject({
  backend: z.enum(['builtin', 'http', 'synauth']).default('builtin'),
  /** builtin: the store `warden serve` uses (`sqlite:PATH` or `postgres://…`). */
  store: text.optional(),
  /** builtin: where approvers reach `warden serve`. */
  public_url: text.optional(),
  /** builtin: the key file `warden serve` uses, unless WARDEN_SECRET_KEY is set. */
  secret_key_file: text.optional(),
  /** builtin: approval-rules files or folders. */
  rules: z.union([text, z.array(text).min(1)]).optional(),
  time_zone: text.optional(),
  /** http / synauth: the service's URL. */
  url: text.optional(),
  /** http / synauth: the environment variable holding the API key. */
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  /** synauth: seconds between status checks (default 2). */
  poll_interval: z.number().positive().max(60).optional(),
})
export type ApprovalsConfig = z.input<typeof approvalsConfigSchema>

const ONLY_FOR: Record<string, readonly string[]> = {
  store: ['builtin'],
  public_url: ['builtin'],
  secret_key_file: ['builtin'],
  rules: ['builtin'],
  time_zone: ['builtin'],
  url: ['http', 'synauth'],
  api_key_env: ['http', 'synauth'],
  poll_interval: ['synauth'],
}
const DEFAULT_KEY_ENV = { http: 'WARDEN_API_KEY', synauth: 'SYNAUTH_API_KEY' } as const

export interface BackendFromConfigOptions {
  /** Where API keys are read; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Base for relative paths; default process.cwd(). */
  cwd?: string
  fetch?: typeof fetch
  onSideEffectError?: (error: unknown) => void
}

/**
 * The backend `approvals:` names. Every problem (unknown or misplaced key, no URL, an unset
 * API key variable) is ERR_CONFIG_INVALID at start-up, never a surprise on the first escalation.
 */
export async function approvalBackendFromConfig(
  config: unknown,
  options: BackendFromConfigOptions = {},
): Promise<ApprovalBackend> {
  const parsed = approvalsConfigSchema.safeParse(config ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = ['approvals', ...issue.path.map(String)].join('.')
    throw new WardenError('ERR_CONFIG_INVALID', `${where}: ${issue.message}`)
  }
  const settings = parsed.data
  for (const [key, backends] of Object.entries(ONLY_FOR)) {
    if (
      settings[key as keyof typeof settings] !== undefined &&
      !backends.includes(settings.backend)
    ) {
      throw new WardenError(
        'ERR_CONFIG_INVALID',
        `approvals.${key}: only for backend ${backends.join(' or ')}, not ${settings.backend}`,
      )
    }
  }
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  if (settings.backend === 'builtin') {
    const store = await openStore(settings.store ?? DEFAULT_STORE_PATH, { cwd })
    try {
      const service = await openBuiltinApprovalService({
        store,
        publicUrl: settings.public_url ?? 'http://localhost:8788',
        secretKeyFile: resolve(cwd, settings.secret_key_file ?? '.warden/secret.key'),
        ...(settings.rules !== undefined ? { rules: pathsFrom(settings.rules, cwd) } : {}),
        ...(settings.time_zone ? { timeZone: settings.time_zone } : {}),
        env,
        ...(options.onSideEffectError ? { onSideEffectError: options.onSideEffectError } : {}),
      })
      return createBuiltinApprovalBackend(service, {
        onClose: async () => {
          await service.close()
          await store.close()
        },
      })
    } catch (error) {
      await store.close()
      throw error
    }
  }
  const keyEnv = settings.api_key_env ?? DEFAULT_KEY_ENV[settings.backend]
  const apiKey = env[keyEnv]
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `approvals: the API key variable ${keyEnv} is not set (backend ${settings.backend})`,
    )
  }
  if (settings.backend === 'http' && settings.url === undefined) {
    throw new WardenError('ERR_CONFIG_INVALID', 'approvals.url: required for backend http')
  }
  return createHttpApprovalBackend({
    flavor: settings.backend === 'http' ? 'warden' : 'synauth',
    apiKey,
    ...(settings.url !== undefined ? { baseUrl: settings.url } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(settings.poll_interval !== undefined
      ? { pollIntervalMs: settings.poll_interval * 1000 }
      : {}),
  })
}

function pathsFrom(rules: string | string[], cwd: string): string[] {
  return (Array.isArray(rules) ? rules : [rules]).map((path) => resolve(cwd, path))
}
