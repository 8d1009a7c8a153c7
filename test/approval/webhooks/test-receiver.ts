import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhookSignature } from '../../../src/approval/webhooks/webhook-signature.js'

export interface ReceivedWebhook {
  path: string
  headers: IncomingHttpHeaders
  body: string
  verified: boolean
}

export interface TestReceiver {
  url(path: string): string
  received: ReceivedWebhook[]
  /** The receiver's clock (epoch ms) for signature freshness; the test moves it. */
  clock: number
  /** Scripted replies per path, used in order; the last one repeats. Default 204. */
  reply(path: string, ...replies: { status: number; location?: string; hang?: boolean }[]): void
  close(): Promise<void>
}

/** A real HTTP webhook receiver on 127.0.0.1 that verifies signatures with `secretFor(path)`. */
export async function startReceiver(secretFor: (path: string) => string): Promise<TestReceiver> {
  const replies = new Map<string, { status: number; location?: string; hang?: boolean }[]>()
  const received: ReceivedWebhook[] = []
  const state = { clock: 0 }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = req.url ?? '/'
      const body = Buffer.concat(chunks).toString('utf8')
      const verified = verifyWebhookSignature(
        secretFor(path),
        String(req.headers['x-warden-signature'] ?? ''),
        String(req.headers['x-warden-delivery'] ?? ''),
        body,
        { now: state.clock },
      )
      received.push({ path, headers: req.headers, body, verified })
      const queue = replies.get(path) ?? []
      const reply = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 204 }
      if (reply.hang) return
      if (!verified) return void res.writeHead(401).end()
      res.writeHead(reply.status, reply.location ? { Location: reply.location } : {})
      res.end('ignored by the sender')
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    get clock() {
      return state.clock
    },
    set clock(value: number) {
      state.clock = value
    },
    reply(path, ...list) {
      replies.set(path, list)
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
