import type { IncomingMessage, ServerResponse } from 'node:http'

type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown

/** A node request listener wrapped to know which responses are not yet fully sent. */
export interface OpenResponses {
  readonly listener: (request: IncomingMessage, response: ServerResponse) => void
  readonly count: number
  /** Settles once every response has been sent (or its connection closed), or after `maxMs`. */
  written(maxMs: number): Promise<void>
}

export function openResponses(inner: RequestListener): OpenResponses {
  const open = new Set<ServerResponse>()
  const waiters: (() => void)[] = []
  const settle = () => {
    if (open.size > 0) return
    for (const wake of waiters.splice(0)) wake()
  }
  return {
    listener(request, response) {
      open.add(response)
      response.once('close', () => {
        open.delete(response)
        settle()
      })
      void inner(request, response)
    },
    get count() {
      return open.size
    },
    written(maxMs) {
      if (open.size === 0) return Promise.resolve()
      return new Promise<void>((done) => {
        const timer = setTimeout(done, maxMs)
        waiters.push(() => {
          clearTimeout(timer)
          done()
        })
      })
    },
  }
}
