import { WardenError } from '../errors.js'

/** The requests a process is serving, so a shutdown can let them finish. */
export interface InFlight {
  readonly count: number
  readonly draining: boolean
  /** Aborts when draining starts: calls waiting for an approval answer at once. */
  readonly stopping: AbortSignal
  /**
   * Runs `work` counted as in flight, with a signal that aborts when `linked` does or when
   * `cutOff` is called; once draining, refuses it (a retryable error) without running it.
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>, linked?: AbortSignal): Promise<T>
  /** Starts draining; true once nothing is in flight, false if `graceMs` passes first. */
  drain(graceMs: number): Promise<boolean>
  /** Aborts the signal of every request still in flight (the grace period is over). */
  cutOff(): void
  /** Settles once nothing is in flight, or after `maxMs` if given. */
  idle(maxMs?: number): Promise<void>
}

export function createInFlight(): InFlight {
  const stopping = new AbortController()
  // One controller per request, never a dependent of a long-lived signal: nothing accumulates.
  const running = new Set<AbortController>()
  let waiters: (() => void)[] = []
  const settle = () => {
    if (running.size > 0) return
    const ready = waiters
    waiters = []
    for (const wake of ready) wake()
  }
  const idle = (maxMs?: number) =>
    running.size === 0
      ? Promise.resolve()
      : new Promise<void>((wake) => {
          const timer = maxMs === undefined ? undefined : setTimeout(wake, maxMs)
          waiters.push(() => {
            clearTimeout(timer)
            wake()
          })
        })

  return {
    get count() {
      return running.size
    },
    get draining() {
      return stopping.signal.aborted
    },
    stopping: stopping.signal,
    async run(work, linked) {
      if (stopping.signal.aborted) throw shuttingDown()
      const controller = new AbortController()
      const follow = () => controller.abort(linked?.reason)
      if (linked?.aborted) follow()
      else linked?.addEventListener('abort', follow, { once: true })
      running.add(controller)
      try {
        return await work(controller.signal)
      } finally {
        linked?.removeEventListener('abort', follow)
        running.delete(controller)
        settle()
      }
    },
    async drain(graceMs) {
      stopping.abort()
      let timer: NodeJS.Timeout | undefined
      const expired = new Promise<false>((done) => {
        timer = setTimeout(() => done(false), graceMs)
      })
      try {
        return await Promise.race([idle().then(() => true as const), expired])
      } finally {
        clearTimeout(timer)
      }
    },
    cutOff() {
      const reason = new WardenError(
        'ERR_UPSTREAM_UNAVAILABLE',
        'mcp-warden shut down before this request finished; it may have run',
      )
      for (const controller of running) controller.abort(reason)
    },
    idle,
  }
}

/**
 * A signal that aborts when any of `signals` does, and `dispose` to unhook it. Unlike
 * AbortSignal.any it leaves nothing registered on a long-lived signal once disposed.
 */
export function linkedSignal(...signals: (AbortSignal | undefined)[]): {
  signal: AbortSignal
  dispose(): void
} {
  const controller = new AbortController()
  const sources = signals.filter((each): each is AbortSignal => each !== undefined)
  const hooks = sources.map((source) => {
    const follow = () => controller.abort(source.reason)
    if (source.aborted) follow()
    else source.addEventListener('abort', follow, { once: true })
    return () => source.removeEventListener('abort', follow)
  })
  return { signal: controller.signal, dispose: () => hooks.forEach((unhook) => unhook()) }
}

/** What a request that arrives during shutdown gets: the next instance (or restart) can serve it. */
export function shuttingDown(): WardenError {
  return new WardenError(
    'ERR_SHUTTING_DOWN',
    'mcp-warden is shutting down; the request was not run, retry it',
  )
}
