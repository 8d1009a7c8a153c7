import { request as httpRequest } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyAuditText } from '../../../src/audit/verify-audit-log.js'
import { rejection, textOf } from '../harness.js'
import {
  httpClient,
  INITIALIZE,
  MCP_HEADERS,
  openSession,
  startTestProxy,
  type StartedProxy,
} from './proxy-harness.js'

describe('warden proxy over Streamable HTTP with API keys', () => {
  let started: StartedProxy
  let url: string
  beforeAll(async () => {
    started = await startTestProxy({ audit: { file: 'audit.jsonl' } })
    url = started.proxy.url!
  })
  afterAll(() => started.proxy.close())

  const as = (user: string) => httpClient(url, { 'x-api-key': started.key(user) })

  it('lists for each role only the tools its policy allows', async () => {
    const admin = await as('ada')
    const user = await as('bob')
    const intern = await as('ian')
    expect((await admin.listTools()).tools.map((t) => t.name)).toEqual([
      'echo',
      'pid',
      'read_notes',
      'delete_notes',
      'crash',
    ])
    expect((await user.listTools()).tools.map((t) => t.name)).toEqual([
      'echo',
      'pid',
      'read_notes',
      'crash',
    ])
    expect((await intern.listTools()).tools).toEqual([])
    await Promise.all([admin.close(), user.close(), intern.close()])
  })

  it('relays an allowed call and refuses a denied one as a tool error', async () => {
    const user = await as('bob')
    const echoed = await user.callTool({ name: 'echo', arguments: { text: 'hi' } })
    expect(textOf(echoed)).toBe('hi')
    const denied = await user.callTool({ name: 'delete_notes', arguments: {} })
    expect(denied.isError).toBe(true)
    expect(textOf(denied)).toMatch(/denied/)
    await user.close()
  })

  it('refuses a request without a key with 401 and a resource_metadata challenge', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INITIALIZE),
    })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer resource_metadata=".*\/\.well-known\/oauth-protected-resource\/mcp"/,
    )
    expect(((await response.json()) as { code: string }).code).toBe('ERR_AUTH_MISSING')
  })

  it('serves the protected resource metadata', async () => {
    const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url))
    expect(response.status).toBe(200)
    expect(((await response.json()) as { resource: string }).resource).toBe(url)
  })

  it('refuses a JSON-RPC batch with 400 and -32600', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-api-key': started.key('ada') },
      body: JSON.stringify([INITIALIZE]),
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { code: number; data: { code: string } } }
    expect(body.error.code).toBe(-32600)
    expect(body.error.data.code).toBe('ERR_BATCH_NOT_SUPPORTED')
  })

  it('refuses a body over the size limit with 413', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-api-key': started.key('ada') },
      body: JSON.stringify({ ...INITIALIZE, padding: 'x'.repeat(1_100_000) }),
    })
    expect(response.status).toBe(413)
  })

  it("refuses a second identity's request on the first identity's session", async () => {
    const sessionId = await openSession(url, started.key('bob'))
    const hijack = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-api-key': started.key('ada'), 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    })
    expect(hijack.status).toBe(403)
    expect(((await hijack.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'ERR_SESSION_IDENTITY_CHANGED',
    )
  })

  it('answers 404 for a session it does not know', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-api-key': started.key('ada'), 'mcp-session-id': 'nope' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    })
    expect(response.status).toBe(404)
  })

  it('refuses a Host header it does not serve (DNS rebinding) with 403', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const target = new URL(url)
      const request = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...MCP_HEADERS, host: 'evil.example:80', 'x-api-key': started.key('ada') },
        },
        (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        },
      )
      request.on('error', reject)
      request.end(JSON.stringify(INITIALIZE))
    })
    expect(status).toBe(403)
  })

  it('refuses a foreign Origin with 403', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'https://evil.example', 'x-api-key': started.key('ada') },
      body: JSON.stringify(INITIALIZE),
    })
    expect(response.status).toBe(403)
  })

  it('refuses a method the bridge does not know', async () => {
    const admin = await as('ada')
    const error = await rejection(admin.request({ method: 'tasks/list' } as never, {} as never))
    expect(error.code).toBe(-32601)
    await admin.close()
  })

  it('answers a call whose upstream dies with an error, then recovers with a new process', async () => {
    const user = await as('bob')
    const before = textOf(await user.callTool({ name: 'pid', arguments: {} }))
    const error = await rejection(user.callTool({ name: 'crash', arguments: {} }))
    expect(error.data).toMatchObject({ code: 'ERR_UPSTREAM_UNAVAILABLE' })
    const after = textOf(await user.callTool({ name: 'pid', arguments: {} }))
    expect(after).not.toBe(before)
    expect(Number(after)).toBeGreaterThan(0)
    await user.close()
  })

  it('writes every decision to a hash-chained audit log', async () => {
    const text = await readFile(join(started.dir, 'audit.jsonl'), 'utf8')
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(verifyAuditText(text).ok).toBe(true)
    expect(records.some((r) => r.target.tool === 'delete_notes' && r.effect === 'deny')).toBe(true)
    expect(records.some((r) => r.target.tool === 'echo' && r.effect === 'allow')).toBe(true)
  })
})
