import { execFile } from 'node:child_process'
import { createECDH, randomBytes, type ECDH } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { Agent, createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

export interface ReceivedPush {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/**
 * A stand-in push service: a real HTTPS server on 127.0.0.1 (certificate made by openssl)
 * that records each request and answers with the status named by the path's last segment.
 */
export interface TestPushService {
  agent: Agent
  origin: string
  received: ReceivedPush[]
  /** `${origin}/push/${status}/${name}`: the service answers `status`. */
  endpoint(status: number, name: string): string
  close(): Promise<void>
}

export async function startTestPushService(): Promise<TestPushService> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-push-'))
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ])
    const [key, cert] = await Promise.all([
      readFile(join(dir, 'key.pem')),
      readFile(join(dir, 'cert.pem')),
    ])
    const received: ReceivedPush[] = []
    const server: Server = createServer({ key, cert }, (request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks),
        })
        const status = Number((request.url ?? '').split('/')[2]) || 500
        response.writeHead(status).end()
      })
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      agent: new Agent({ ca: cert }),
      origin,
      received,
      endpoint: (status, name) => `${origin}/push/${status}/${name}`,
      close: () =>
        new Promise<void>((done) => {
          server.closeAllConnections()
          server.close(() => done())
        }),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
export interface TestSubscriber {
  ecdh: ECDH
  p256dh: string
  auth: string
}

export function newSubscriber(): TestSubscriber {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return {
    ecdh,
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
  }
}

// http_ece is the RFC 8188 implementation web-push itself uses (no types of its own).
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(body: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer
}

/** Opens an aes128gcm push body as the subscribed browser would. */
export function decryptPush(body: Buffer, subscriber: TestSubscriber): string {
  return ece
    .decrypt(body, {
      version: 'aes128gcm',
      privateKey: subscriber.ecdh,
      authSecret: subscriber.auth,
    })
    .toString('utf8')
}
