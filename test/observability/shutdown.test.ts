import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuditRecord } from '../../src/audit/audit-record.js'
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { startApprovalHarness, type ApprovalHarness } from '../approval/http/approval-harness.js'
import { httpClient, INITIALIZE, MCP_HEADERS } from '../mcp/proxy/proxy-harness.js'
import { startHttpUpstream, type HttpUpstream } from './http-upstream.js'
import { keepAliveConnection, rpcMessages } from './keep-alive-connection.js'

const POLICY = `
name: shutdown
default_effect: allow
rules:
  - { name: risky, effect: escalate, tools: { names: [echo] }, actions: [call],
      conditions: [{ field: tool.args.text, operator: equals, value: approve-me }] }
`

interface Setup {
  proxy: RunningProxy
  upstream: HttpUpstream
  auditFile: string
  client(): Promise<Client>
}

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
  vi.unstubAllEnvs()
})

async function setup(extra: Record<string, unknown> = {}): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-shutdown-'))
  await writeFile(join(dir, 'policy.yaml'), POLICY)
  const upstream = await startHttpUpstream()
  cleanup.push(() => upstream.close())
  const auditFile = join(dir, 'audit.jsonl')
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      upstreams: { observed: { url: upstream.url } },
      policies: join(dir, 'policy.yaml'),
      allow_anonymous: true,
      audit: { file: auditFile },
      ...extra,
    },
    cwd: dir,
  })
  const proxy = await startProxy(config, { log: () => undefined })
  cleanup.push(() => proxy.close())
  return {
    proxy,
    upstream,
    auditFile,
    async client() {
      const client = await httpClient(proxy.url!, {})
      cleanup.push(() => client.close())
      return client
    },
  }
}

async function auditRecords(file: string): Promise<AuditRecord[]> {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord)
}

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === 'text' ? c.text : '')).join('')

describe('a graceful shutdown of warden proxy', () => {
  it('lets a call in flight finish, refuses new requests, and audits every call', async () => {
    const { proxy, upstream, auditFile, client } = await setup()
    const caller = await client()
    await caller.callTool({ name: 'echo', arguments: { text: 'before' } })
    const held = caller.callTool({ name: 'hold', arguments: {} }) as Promise<CallToolResult>
    await upstream.held()

    const stopping = proxy.shutdown(60_000)
    // The port is closed: a new request needs a new connection, and it is refused.
    await expect(caller.listTools()).rejects.toThrow()
    await expect(client()).rejects.toThrow()

    upstream.release()
    expect(textOf(await held)).toBe('released')
    expect(await stopping).toEqual({ drained: true })

    const calls = (await auditRecords(auditFile)).filter((r) => r.method === 'tools/call')
    expect(calls.map((r) => r.target)).toEqual([{ tool: 'echo' }, { tool: 'hold' }])
    expect((await verifyAuditLog(auditFile)).ok).toBe(true)
  })

  it('answers a request on a connection still open with a retryable ERR_SHUTTING_DOWN', async () => {
    const { proxy, upstream, client } = await setup()
    const url = proxy.url!
    const caller = await client()
    const long = caller.callTool({ name: 'hold', arguments: { label: 'long' } })
    const connection = keepAliveConnection()
    cleanup.push(async () => connection.close())
    const send = (headers: Record<string, string>, message: unknown) =>
      connection.send('POST', url, { headers, body: JSON.stringify(message) })
    const opened = await send(MCP_HEADERS, INITIALIZE)
    const inSession = { ...MCP_HEADERS, 'mcp-session-id': String(opened.headers['mcp-session-id']) }
    await send(inSession, { jsonrpc: '2.0', method: 'notifications/initialized' })
    const call = (id: number, name: string, args: unknown) =>
      send(inSession, {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: args },
      })
    const short = call(2, 'hold', { label: 'short' })
    await upstream.held('long')
    await upstream.held('short')

    const stopping = proxy.shutdown(60_000)
    upstream.release('short')
    expect(rpcMessages(await short)).toMatchObject([
      { id: 2, result: { content: [{ text: 'released' }] } },
    ])
    // Still open, so it reaches the proxy: refused unrun, retryable, and the connection ends.
    const late = await call(3, 'echo', { text: 'late' })
    expect(rpcMessages(late)).toMatchObject([
      { id: 3, error: { data: { code: 'ERR_SHUTTING_DOWN', retryable: true } } },
    ])
    await expect(call(4, 'echo', { text: 'later' })).rejects.toThrow()
    // Only the two held calls ever reached the upstream.
    expect(upstream.requests.filter((r) => r.method === 'tools/call')).toHaveLength(2)

    upstream.release('long')
    expect(textOf((await long) as CallToolResult)).toBe('released')
    expect(await stopping).toEqual({ drained: true })
  })

  it('answers a call waiting for approval with a retryable error and withdraws its request', async () => {
    const approvals: ApprovalHarness = await startApprovalHarness()
    cleanup.push(() => approvals.close())
    vi.stubEnv('WARDEN_SHUTDOWN_TEST_KEY', await approvals.agentKey('shutdown-proxy'))
    const { proxy, auditFile, client } = await setup({
      approvals: {
        backend: 'http',
        url: approvals.url,
        api_key_env: 'WARDEN_SHUTDOWN_TEST_KEY',
        progress_interval: 0.2,
      },
    })
    const caller = await client()
    let approvalId: string | undefined
    let waiting!: () => void
    const isWaiting = new Promise<void>((done) => (waiting = done))
    const call = caller.callTool({ name: 'echo', arguments: { text: 'approve-me' } }, undefined, {
      resetTimeoutOnProgress: true,
      onprogress: (progress) => {
        approvalId ??= /waiting for approval ([\w-]+)/.exec(progress.message ?? '')?.[1]
        if (approvalId) waiting()
      },
    }) as Promise<CallToolResult>
    await isWaiting

    const stopping = proxy.shutdown(60_000)
    const result = await call
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/shutting down; the request was not run, retry it/)
    expect(textOf(result)).toMatch(/ERR_SHUTTING_DOWN/)
    expect(await stopping).toEqual({ drained: true })

    const request = await approvals.server.service.getRequest(approvalId!)
    expect(request.status).not.toBe('pending')
    const resolved = (await auditRecords(auditFile)).find((r) => r.event === 'approval_resolved')
    expect(resolved).toMatchObject({
      status: 'cancelled',
      detail: { approval_id: approvalId, reason: 'mcp-warden is shutting down' },
    })
  })

  it('cuts off a call that outlives the grace period, and the audit file stays whole', async () => {
    const { proxy, upstream, auditFile, client } = await setup()
    const caller = await client()
    const held = caller.callTool({ name: 'hold', arguments: {} }).catch((e: Error) => e)
    await upstream.held()

    expect(await proxy.shutdown(0)).toEqual({ drained: false })
    // Answered before the connection closed: the caller knows, and may retry.
    expect(await held).toMatchObject({
      message: expect.stringMatching(/mcp-warden shut down before this request finished/),
    })
    const records = await auditRecords(auditFile)
    expect(records.filter((r) => r.method === 'tools/call')).toHaveLength(1)
    expect((await verifyAuditLog(auditFile)).ok).toBe(true)
    upstream.release()
  })
})

describe('a graceful shutdown of warden serve', () => {
  it('answers a long-poll wait at once with the request as it stands, then stops', async () => {
    const h = await startApprovalHarness()
    cleanup.push(() => h.close())
    const agent = h.agent(await h.agentKey('waiter'))
    const created = await agent('/actions', {
      method: 'POST',
      body: JSON.stringify({ action_type: 'communication', title: 'Send it', parameters: {} }),
    })
    const { id } = (await created.json()) as { id: string }
    const waiting = agent(`/actions/${id}/wait?timeout=120`)
    // The wait is registered once the server has read the request; a list proves it is up.
    await agent('/actions')

    expect(await h.server.shutdown(60_000)).toEqual({ drained: true })
    const answer = await waiting
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ id, status: 'pending' })
    await expect(agent('/actions')).rejects.toThrow()
  })

  it('answers a request on a connection still open with 503 ERR_SHUTTING_DOWN, and lets a request in flight finish', async () => {
    const h = await startApprovalHarness()
    cleanup.push(() => h.close())
    const headers = { 'content-type': 'application/json', 'x-api-key': await h.agentKey('late') }
    const actions = `${h.url}/api/v1/actions`
    const body = JSON.stringify({ action_type: 'communication', title: 'Send it', parameters: {} })
    // A request whose body is still arriving is in flight: it keeps the drain open.
    const slow = httpRequest(actions, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    })
    const slowStatus = new Promise<number>((resolve, reject) => {
      slow.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      slow.on('error', reject)
    })
    slow.write(body.slice(0, 10))
    const connection = keepAliveConnection()
    cleanup.push(async () => connection.close())
    const { id } = JSON.parse((await connection.send('POST', actions, { headers, body })).text) as {
      id: string
    }
    const waiting = connection.send('GET', `${actions}/${id}/wait?timeout=120`, { headers })
    await h.agent(headers['x-api-key'])('/actions')

    const stopping = h.server.shutdown(60_000)
    expect(JSON.parse((await waiting).text)).toMatchObject({ id, status: 'pending' })
    const late = await connection.send('GET', actions, { headers })
    expect(late.status).toBe(503)
    expect(late.headers['retry-after']).toBe('1')
    expect(JSON.parse(late.text)).toMatchObject({ error: { code: 'ERR_SHUTTING_DOWN' } })
    slow.end(body.slice(10))
    expect(await slowStatus).toBe(201)
    expect(await stopping).toEqual({ drained: true })
  })
})
