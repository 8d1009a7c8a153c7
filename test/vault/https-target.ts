import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A test CA and a leaf certificate for api.test.example, *.test.example, localhost and 127.0.0.1. */
export interface TestCertificates {
  ca: string
  key: string
  cert: string
}

let certificates: Promise<TestCertificates> | undefined

/** Made once per test file with openssl: a CA the vault is told to trust, and a leaf it signed. */
export function testCertificates(): Promise<TestCertificates> {
  certificates ??= makeCertificates()
  return certificates
}

async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-vault-ca-'))
  const file = (name: string) => join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=warden vault test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
    await run('openssl', [
      'req',
      '-new',
      ...ec,
      '-keyout',
      file('leaf.key'),
      '-out',
      file('leaf.csr'),
      '-subj',
      '/CN=api.test.example',
    ])
    await writeFile(
      file('leaf.ext'),
      'subjectAltName=DNS:api.test.example,DNS:*.test.example,DNS:localhost,IP:127.0.0.1\n' +
        'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    )
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('leaf.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('leaf.pem'),
      '-days',
      '1',
      '-extfile',
      file('leaf.ext'),
    ])
    const [ca, key, cert] = await Promise.all(
      ['ca.pem', 'leaf.key', 'leaf.pem'].map((name) => readFile(file(name), 'utf8')),
    )
    return { ca: ca!, key: key!, cert: cert! }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

export type TargetHandler = (request: ReceivedRequest, response: ServerResponse) => void

/** An HTTPS server on 127.0.0.1 standing in for a third-party API; records every request. */
export interface HttpsTarget {
  port: number
  received: ReceivedRequest[]
  /** Answers requests; default 200 with a JSON echo of method, path, headers and body. */
  handler: TargetHandler
  close(): Promise<void>
}

export const echo: TargetHandler = (request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=abc' })
  response.end(JSON.stringify(request))
}

export async function startHttpsTarget(): Promise<HttpsTarget> {
  const { key, cert } = await testCertificates()
  const target: HttpsTarget = {
    port: 0,
    received: [],
    handler: echo,
    close: async () => {},
  }
  const server: Server = createServer({ key, cert }, (request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      target.received.push(received)
      target.handler(received, response)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  target.port = (server.address() as AddressInfo).port
  target.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections()
      server.close(() => done())
    })
  return target
}

/** A resolver for the tests: names map to fixed answers; anything else does not exist. */
export function fakeResolver(answers: Record<string, string[] | (() => string[])>) {
  const calls: string[] = []
  const resolve = async (hostname: string) => {
    calls.push(hostname)
    const entry = answers[hostname]
    const addresses = typeof entry === 'function' ? entry() : entry
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return { resolve, calls }
}
