/** What this process recorded when it created a request on a remote backend. */
export interface LocalRequest {
  content_hash: string
  rule: string
  policy_version: string
  /** Epoch ms after which this process treats the request as expired. */
  expires_at: number
  executed?: boolean
  withdrawn?: boolean
}

/** How long a record outlives its request's expiry, so a late `get` still answers. */
const RETENTION_MS = 10 * 60_000

/**
 * Per-process memory of the requests a remote adapter created, and one claim at a time per
 * request. Where the remote side cannot enforce single use (SynAuth), this is the once-only
 * set: it lives in this process, so several proxies cannot share it.
 */
export class LocalClaims {
  readonly #requests = new Map<string, LocalRequest>()
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #now: () => number

  constructor(now: () => number) {
    this.#now = now
  }

  remember(id: string, request: LocalRequest): void {
    this.#prune()
    this.#requests.set(id, request)
  }

  get(id: string): LocalRequest | undefined {
    return this.#requests.get(id)
  }

  /**
   * Runs `claim` with no other claim of the same request running in this process: of any
   * number of concurrent callers, each sees the state the previous one left.
   */
  async serialised<T>(id: string, claim: () => Promise<T>): Promise<T> {
    for (let busy = this.#inFlight.get(id); busy; busy = this.#inFlight.get(id)) await busy
    const run = (async () => claim())().finally(() => this.#inFlight.delete(id))
    this.#inFlight.set(
      id,
      run.then(
        () => undefined,
        () => undefined,
      ),
    )
    return run
  }

  #prune(): void {
    const cutoff = this.#now() - RETENTION_MS
    for (const [id, request] of this.#requests) {
      if (request.expires_at < cutoff && !this.#inFlight.has(id)) this.#requests.delete(id)
    }
  }
}
