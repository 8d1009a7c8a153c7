import { z } from 'zod'
import { WardenError } from '../../errors.js'
import type { ApprovalBackend } from '../../approval/backend/approval-backend.js'
import { approvalBackendFromConfig } from '../../approval/backend/approval-backend-from-config.js'

/** What the bridge needs from `approvals:`: a backend, and how escalated calls wait. */
export interface ProxyApprovals {
  backend: ApprovalBackend
  wait: 'block' | 'return'
  progressIntervalMs: number
}

const bridgeKeys = z.object({
  wait: z.enum(['block', 'return']).default('block'),
  /** Seconds between progress notifications while a call waits. */
  progress_interval: z.number().positive().max(60).default(5),
})

/**
 * Opens the approval backend `approvals:` names (the built-in store, `warden serve` over
 * HTTP, or SynAuth). Any problem is ERR_CONFIG_INVALID at start-up.
 */
export async function openProxyApprovals(
  raw: unknown,
  options: { cwd: string; env?: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<ProxyApprovals> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WardenError('ERR_CONFIG_INVALID', 'approvals: must be a mapping')
  }
  const { wait, progress_interval, ...backendConfig } = raw as Record<string, unknown>
  const parsed = bridgeKeys.safeParse({ wait, progress_interval })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `approvals.${issue.path.join('.')}: ${issue.message}`,
    )
  }
  const backend = await approvalBackendFromConfig(backendConfig, {
    cwd: options.cwd,
    ...(options.env ? { env: options.env } : {}),
    onSideEffectError: (error) => options.log(`approvals: ${(error as Error).message}`),
  })
  return {
    backend,
    wait: parsed.data.wait,
    progressIntervalMs: parsed.data.progress_interval * 1000,
  }
}
