import { WardenError } from '../../errors.js'
import type { ApprovalRequest } from '../approval-request.js'
import { ANY_REQUEST } from '../../store/store.js'
import type { ServiceContext } from './service-context.js'

/**
 * Resolves with the request once it leaves `pending`, or as it stands when `timeoutMs`
 * passes or `signal` aborts. Wakes on the store's change notifications (LISTEN/NOTIFY on
 * PostgreSQL) and on the request's own expiry instant: no polling loop.
 */
export async function waitForResolution(
  context: ServiceContext,
  id: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ApprovalRequest> {
  let finish: (request: ApprovalRequest | Error) => void = () => {}
  const settled = new Promise<ApprovalRequest>((resolve, reject) => {
    finish = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome))
  })
  let latest: ApprovalRequest | undefined
  let done = false
  const read = async (): Promise<void> => {
    try {
      const request = await context.store.getRequest(id, context.now())
      if (!request)
        throw new WardenError('ERR_APPROVAL_NOT_FOUND', `approval request ${id} does not exist`)
      latest = request
      if (request.status !== 'pending') settle(request)
    } catch (error) {
      settle(error as Error)
    }
  }
  // Subscribe before the first read, so a change between the two is not missed.
  const unsubscribe = context.store.onRequestChanged((changed) => {
    if ((changed === id || changed === ANY_REQUEST) && !done) void read()
  })
  const timers: NodeJS.Timeout[] = []
  const onAbort = (): void => settle(latest)
  const settle = (outcome: ApprovalRequest | Error | undefined): void => {
    if (done || outcome === undefined) return
    done = true
    unsubscribe()
    for (const timer of timers) clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    finish(outcome)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  await read()
  if (!done && latest) {
    // A last read at the deadline covers a notification lost while a listener reconnected.
    const atDeadline = (): void => void read().finally(() => settle(latest))
    timers.push(setTimeout(atDeadline, Math.max(0, timeoutMs)))
    const untilExpiry = Date.parse(latest.expires_at) - context.now()
    if (untilExpiry < timeoutMs) timers.push(setTimeout(() => void read(), untilExpiry + 5))
    if (signal?.aborted) onAbort()
  }
  return settled
}
