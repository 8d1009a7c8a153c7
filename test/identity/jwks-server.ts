import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'

/** A real JWKS endpoint on 127.0.0.1 whose keys and health a test can change. */
export interface JwksServer {
  url: string
  /** How many times the key set was fetched. */
  readonly fetches: number
  setKeys(keys: JWK[]): void
  /** Answer every fetch with this status (undefined: serve the keys again). */
  failWith(status: number | undefined): void
  close(): Promise<void>
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let current = keys
  let failure: number | undefined
  let fetches = 0
  const server: Server = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end()
      return
    }
    fetches += 1
    if (failure !== undefined) {
      response.writeHead(failure).end()
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: current }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return fetches
    },
    setKeys(next) {
      current = next
    },
    failWith(status) {
      failure = status
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
