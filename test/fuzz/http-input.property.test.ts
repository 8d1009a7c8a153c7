import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import {
  FUZZ_POLICY,
  inputLine,
  jsonRpcMessage,
  unallowedAtUpstream,
} from './json-rpc-arbitraries.js'
import { sendRaw, type RawRequest } from './raw-http.js'
import { receivedByUpstream, recordingUpstream } from './upstream-record.js'

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'f', version: '1' },
  },
})
const JSON_AND_SSE = 'application/json, text/event-stream'
/** The listener's default max_body_bytes. */
const MAX_BODY_BYTES = 1_048_576

/** The usual value most of the time, so that requests get past the listener's checks. */
function mostly<T>(usual: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, fc.constantFrom(...others))
}

describe('fuzz: HTTP requests to the Streamable HTTP listener', () => {
  let dir: string
  let recordFile: string
  let proxy: RunningProxy
  let port: number
  let keys: { fuzzer: string; other: string }
  /** A session only the sentinel uses: the fuzz input never learns its id. */
  let sentinelSession: string
  /** A session the fuzz input uses (and may close: it is reopened then). */
  let fuzzSession: string
  let sentinels = 0

  const base = (key: string, session?: string): Record<string, string> => ({
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    accept: JSON_AND_SSE,
    'x-api-key': key,
    ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
  })

  async function openSession(): Promise<string> {
    const opened = await sendRaw(port, {
      method: 'POST',
      path: '/mcp',
      headers: base(keys.fuzzer),
      body: INITIALIZE,
    })
    const id = opened.headers['mcp-session-id']
    if (typeof id !== 'string') throw new Error(`initialize gave HTTP ${opened.status}, no session`)
    await sendRaw(port, {
      method: 'POST',
      path: '/mcp',
      headers: base(keys.fuzzer, id),
      body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
    })
    return id
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-fuzz-http-'))
    recordFile = join(dir, 'received.jsonl')
    await writeFile(join(dir, 'policy.yaml'), FUZZ_POLICY)
    const config = await loadProxyConfig({
      overrides: {
        listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
        upstreams: { recording: recordingUpstream(recordFile) },
        policies: join(dir, 'policy.yaml'),
        demo_keys: [
          { user_id: 'fuzzer', roles: ['fuzzer'] },
          { user_id: 'other', roles: ['fuzzer'] },
        ],
        audit: { file: 'audit.jsonl' },
      },
      cwd: dir,
    })
    proxy = await startProxy(config, { log: () => undefined })
    port = Number(new URL(proxy.url!).port)
    const keyOf = (user: string) => proxy.demoKeys.find((k) => k.user_id === user)!.key
    keys = { fuzzer: keyOf('fuzzer'), other: keyOf('other') }
    sentinelSession = await openSession()
    fuzzSession = await openSession()
  })
  afterAll(async () => {
    await proxy?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Every header a client controls, each right, wrong or missing. */
  const fuzzRequest = fc.record({
    method: mostly('POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'),
    path: mostly('/mcp', '/mcp/', '/MCP', '/mcp?x=1', '//mcp', '/mcp%00'),
    key: mostly('fuzzer', 'other', 'wk_not_a_key', 'Bearer x', ''),
    session: mostly('fuzz', 'unknown', 'none', 'two'),
    contentType: mostly('application/json', 'text/plain', 'application/json; charset=latin1', ''),
    accept: mostly(JSON_AND_SSE, 'application/json', 'text/event-stream', '*/*', ''),
    host: mostly('ok', 'evil.example', ''),
    origin: mostly('', 'null', 'https://evil.example', 'http://localhost'),
    protocol: mostly('2025-06-18', '2025-03-26', '1999-01-01', ''),
    body: fc.oneof(
      { weight: 12, arbitrary: jsonRpcMessage.map((m) => JSON.stringify(m)) },
      { weight: 2, arbitrary: inputLine },
      // Past max_body_bytes (1 MiB): refused with 413 before it is parsed.
      fc.constant(
        `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(1_100_000)}"}}`,
      ),
    ),
  })

  function toRaw(
    f: typeof fuzzRequest extends fc.Arbitrary<infer T> ? T : never,
    session: string,
  ): RawRequest {
    const headers: Record<string, string> = {}
    const set = (name: string, value: string) => {
      if (value !== '') headers[name] = value
    }
    set('host', f.host === 'ok' ? `127.0.0.1:${port}` : f.host)
    set('content-type', f.contentType)
    set('accept', f.accept)
    set('origin', f.origin === 'http://localhost' ? `http://localhost:${port}` : f.origin)
    set('mcp-protocol-version', f.protocol)
    set('x-api-key', f.key === 'fuzzer' || f.key === 'other' ? keys[f.key] : f.key)
    if (f.session === 'fuzz') headers['mcp-session-id'] = session
    if (f.session === 'unknown') headers['mcp-session-id'] = '5f0c3a3e-0000-4000-8000-000000000000'
    if (f.session === 'two') headers['mcp-session-id'] = `${session}, ${session}`
    return {
      method: f.method,
      path: f.path,
      headers,
      body: f.method === 'GET' ? undefined : f.body,
    }
  }

  /** An allowed call on the untouched session: the proxy is alive and answers the right call. */
  async function sentinel(): Promise<void> {
    const text = `sentinel-${++sentinels}`
    const answer = await sendRaw(port, {
      method: 'POST',
      path: '/mcp',
      headers: base(keys.fuzzer, sentinelSession),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: text,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text } },
      }),
    })
    expect(answer.status).toBe(200)
    expect(answer.messages).toContainEqual(
      expect.objectContaining({
        id: text,
        result: expect.objectContaining({ content: [{ type: 'text', text }] }),
      }),
    )
  }

  it('answers every request with a status, stays up and never relays what the policy did not allow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzRequest, { minLength: 1, maxLength: 3 }), async (requests) => {
        const before = (await receivedByUpstream(recordFile)).length
        for (const request of requests) {
          const raw = toRaw(request, fuzzSession)
          const oversize = (raw.body?.length ?? 0) > MAX_BODY_BYTES
          const answer = await sendRaw(port, raw).catch((error: { code?: string }) => {
            // The 413 closes the connection: a client still writing may see the reset first.
            if (oversize && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) return
            throw error
          })
          if (!answer) continue
          // Only a GET's event stream may stay open; every other request is answered.
          if (request.method !== 'GET') expect(answer.open).toBe(false)
          expect(answer.status).toBeGreaterThanOrEqual(200)
          expect(answer.status).toBeLessThan(600)
          if (answer.status >= 500)
            throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.messages)}`)
        }
        await sentinel()
        const received = (await receivedByUpstream(recordFile)).slice(before)
        expect(unallowedAtUpstream(received)).toEqual([])
        // A DELETE may have closed the fuzz session; the next run gets a fresh one.
        const probe = await sendRaw(port, {
          method: 'POST',
          path: '/mcp',
          headers: base(keys.fuzzer, fuzzSession),
          body: '{"jsonrpc":"2.0","id":"probe","method":"ping"}',
        })
        if (probe.status === 404) fuzzSession = await openSession()
      }),
      { numRuns: 200 },
    )
  })
})
