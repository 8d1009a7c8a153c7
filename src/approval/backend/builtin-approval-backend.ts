import { WardenError } from '../../errors.js'
import type { ApprovalRequest } from '../approval-request.js'
import { toApprovalView, type ApprovalView } from '../approval-view.js'
import type { ApprovalService } from '../service/approval-service.js'
import type { ApprovalBackend, BackendApproval, EscalationRequest } from './approval-backend.js'

export interface BuiltinBackendOptions {
  /** Runs on close(): what the backend owns besides the service (its store). */
  onClose?: () => Promise<void>
}

/**
 * The built-in approval service in-process. The store enforces everything: single use (one
 * conditional UPDATE), the hash and policy version, expiry; waits wake on the store's change
 * notifications (LISTEN/NOTIFY on PostgreSQL, so a decision taken on another instance counts).
 */
export function createBuiltinApprovalBackend(
  service: ApprovalService,
  options: BuiltinBackendOptions = {},
): ApprovalBackend {
  const toBackend = (request: ApprovalRequest) =>
    backendApprovalFrom(toApprovalView(request, service.publicUrl))

  return {
    kind: 'builtin',
    async create(request: EscalationRequest, signal?: AbortSignal) {
      signal?.throwIfAborted()
      const created = await guarded(() =>
        service.createRequest(
          {
            action_type: request.action_type,
            title: request.title,
            ...(request.description !== undefined ? { description: request.description } : {}),
            risk_level: request.risk_level,
            parameters: request.parameters,
            ...(request.expires_in !== undefined ? { expires_in: request.expires_in } : {}),
          },
          {
            created_by: request.created_by,
            // Policy facts skip the agent-input checks: they come from the policy, not an agent.
            policy: {
              rule: request.rule,
              policy_version: request.policy_version,
              action_type: request.action_type,
              risk_level: request.risk_level,
              ...(request.amount !== undefined ? { amount: request.amount } : {}),
              ...(request.currency !== undefined ? { currency: request.currency } : {}),
              ...(request.recipient !== undefined ? { recipient: request.recipient } : {}),
            },
          },
        ),
      )
      return toBackend(created)
    },
    async find(contentHash: string, createdBy: string) {
      const recent = await guarded(() =>
        service.listRequests({ created_by: createdBy, limit: 100 }),
      )
      const match = recent.find(
        (request) =>
          request.content_hash === contentHash &&
          (request.status === 'pending' || request.status === 'approved'),
      )
      return match ? toBackend(match) : undefined
    },
    async get(id: string) {
      return toBackend(await guarded(() => service.getRequest(id)))
    },
    async wait(id: string, timeoutMs: number, signal?: AbortSignal) {
      return toBackend(await guarded(() => service.waitForResolution(id, timeoutMs, signal)))
    },
    async claim(id: string, contentHash: string, signal?: AbortSignal) {
      signal?.throwIfAborted()
      const executed = await guarded(() =>
        service.claimExecution(id, { content_hash: contentHash }),
      )
      return toBackend(executed)
    },
    async cancel(id: string) {
      const request = await guarded(() => service.getRequest(id))
      if (request.status !== 'pending') return
      try {
        await guarded(() => service.withdraw(id, request.created_by))
      } catch (error) {
        if (!isResolvedMeanwhile(error)) throw error
      }
    },
    async reportResult(id: string, result: 'succeeded' | 'failed') {
      await guarded(() => service.recordExecutionResult(id, result))
    },
    async close() {
      await options.onClose?.()
    },
  }
}

/** A request as the bridge sees it: its state and binding, never the approver's evidence. */
export function backendApprovalFrom(view: ApprovalView): BackendApproval {
  return {
    id: view.id,
    status: view.status,
    content_hash: view.content_hash,
    fingerprint: view.fingerprint,
    approval_url: view.approval_url,
    expires_at: view.expires_at,
    ...(view.resolved_by !== undefined ? { resolved_by: view.resolved_by } : {}),
    ...(view.method !== undefined ? { method: view.method } : {}),
    ...(view.deny_reason !== undefined ? { deny_reason: view.deny_reason } : {}),
    ...(view.rule !== undefined ? { rule: view.rule } : {}),
    ...(view.policy_version !== undefined ? { policy_version: view.policy_version } : {}),
  }
}

/** A cancel that lost the race to a decision or to expiry is not an error. */
export function isResolvedMeanwhile(error: unknown): boolean {
  return (
    error instanceof WardenError &&
    (error.code === 'ERR_APPROVAL_ALREADY_RESOLVED' ||
      error.code === 'ERR_APPROVAL_EXPIRED' ||
      error.code === 'ERR_APPROVAL_NOT_FOUND')
  )
}

/** The service's own refusals pass through; a failing store means the backend is down. */
async function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof WardenError && error.code !== 'ERR_STORE_UNAVAILABLE') throw error
    if (error instanceof Error && error.name === 'AbortError') throw error
    const why = error instanceof Error ? error.message : String(error)
    throw new WardenError(
      'ERR_APPROVAL_BACKEND_UNAVAILABLE',
      `the approval store cannot be used: ${why}`,
      { cause: error },
    )
  }
}
