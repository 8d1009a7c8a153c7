import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { startApprovalHarness, type ApprovalHarness } from '../approval/http/approval-harness.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { connectGuarded, textOf } from '../mcp/harness.js'
import { httpClient } from '../mcp/proxy/proxy-harness.js'
import { startHttpUpstream, type HttpUpstream } from './http-upstream.js'
import { registerRecordingTracing, type RecordingTracing } from './recording-tracer.js'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const CLIENT_SPAN = 'b7ad6b7169203331'
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`

const POLICY = `
name: traced
default_effect: allow
rules:
  - { name: risky, effect: escalate, tools: { names: [hold, a.hold] }, actions: [call] }
`

async function proxyInFront(
  upstreams: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-trace-'))
  await writeFile(join(dir, 'policy.yaml'), POLICY)
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      upstreams,
      policies: join(dir, 'policy.yaml'),
      allow_anonymous: true,
      ...extra,
    },
    cwd: dir,
  })
  return startProxy(config, { log: () => undefined })
}

const callsTo = (upstream: HttpUpstream) =>
  upstream.requests.filter((request) => request.method === 'tools/call')

describe('W3C trace context with no OpenTelemetry SDK registered', () => {
  let upstream: HttpUpstream
  let other: HttpUpstream
  let single: RunningProxy
  let several: RunningProxy

  beforeAll(async () => {
    upstream = await startHttpUpstream()
    other = await startHttpUpstream()
    single = await proxyInFront({ observed: { url: upstream.url } })
    several = await proxyInFront({ a: { url: upstream.url }, b: { url: other.url } })
  })
  afterAll(async () => {
    await single?.close()
    await several?.close()
    await upstream?.close()
    await other?.close()
  })

  it("passes the caller's traceparent and tracestate to an HTTP upstream unchanged", async () => {
    const client = await httpClient(single.url!, {
      traceparent: TRACEPARENT,
      tracestate: 'vendor=opaque',
    })
    await client.callTool({ name: 'echo', arguments: { text: 'traced' } })
    await client.close()
    const [call] = callsTo(upstream).slice(-1)
    expect(call!.headers.traceparent).toBe(TRACEPARENT)
    expect(call!.headers.tracestate).toBe('vendor=opaque')
    const initialize = upstream.requests.find((request) => request.method === 'initialize')
    expect(initialize!.headers.traceparent).toBe(TRACEPARENT)
  })

  it('takes the trace from params._meta when the request has no header (SEP-414)', async () => {
    const client = await httpClient(single.url!, {})
    await client.callTool({
      name: 'echo',
      arguments: { text: 'traced in meta' },
      _meta: { traceparent: TRACEPARENT, tracestate: 'vendor=meta' },
    })
    await client.close()
    const [call] = callsTo(upstream).slice(-1)
    expect(call!.headers.traceparent).toBe(TRACEPARENT)
    expect(call!.headers.tracestate).toBe('vendor=meta')
    expect(call!.meta).toMatchObject({ traceparent: TRACEPARENT, tracestate: 'vendor=meta' })
  })

  it('passes it through the namespaced path to several upstreams too', async () => {
    const client = await httpClient(several.url!, { traceparent: TRACEPARENT })
    await client.callTool({ name: 'a.echo', arguments: { text: 'traced' } })
    await client.close()
    expect(callsTo(upstream).at(-1)!.headers.traceparent).toBe(TRACEPARENT)
  })

  it('sends no trace context for a request without one, or with a malformed one', async () => {
    const cases: Record<string, string>[] = [{}, { traceparent: '00-zz-not-a-trace-01' }]
    for (const headers of cases) {
      const client = await httpClient(single.url!, headers)
      await client.callTool({ name: 'echo', arguments: { text: 'untraced' } })
      await client.close()
      expect(callsTo(upstream).at(-1)!.headers.traceparent).toBeUndefined()
    }
  })
})

describe('spans, once the application registers an OpenTelemetry SDK', () => {
  const KEY_ENV = 'WARDEN_TRACE_TEST_KEY'
  let tracing: RecordingTracing
  let upstream: HttpUpstream
  let approvals: ApprovalHarness
  let proxy: RunningProxy

  beforeAll(async () => {
    tracing = registerRecordingTracing()
    upstream = await startHttpUpstream()
    approvals = await startApprovalHarness()
    vi.stubEnv(KEY_ENV, await approvals.agentKey('traced-proxy'))
    proxy = await proxyInFront(
      { observed: { url: upstream.url } },
      { approvals: { backend: 'http', url: approvals.url, api_key_env: KEY_ENV, wait: 'return' } },
    )
  })
  afterAll(async () => {
    await proxy?.close()
    await approvals?.close()
    await upstream?.close()
    tracing?.stop()
    vi.unstubAllEnvs()
  })

  const named = (name: string) => tracing.spans.filter((span) => span.name === name)

  it('opens identify, the request, authorize and forward in the caller trace', async () => {
    const client = await httpClient(proxy.url!, { traceparent: TRACEPARENT })
    await client.callTool({ name: 'echo', arguments: { text: 'traced' } })
    await client.close()

    const server = named('tools/call').at(-1)!
    expect(server).toMatchObject({
      traceId: TRACE_ID,
      parentSpanId: CLIENT_SPAN,
      kind: SpanKind.SERVER,
      ended: true,
    })
    expect(server.attributes['mcp.method.name']).toBe('tools/call')
    const authorize = named('mcp-warden.authorize').find((s) => s.parentSpanId === server.spanId)
    expect(authorize!.attributes).toMatchObject({
      'gen_ai.tool.name': 'echo',
      'mcp_warden.effect': 'allow',
    })
    const forward = named('mcp-warden.forward').find((s) => s.parentSpanId === server.spanId)
    expect(forward).toMatchObject({ traceId: TRACE_ID, kind: SpanKind.CLIENT, ended: true })
    expect(named('mcp-warden.identify').some((s) => s.parentSpanId === CLIENT_SPAN)).toBe(true)

    // The upstream sees the same trace, its parent now mcp-warden's forward span, in the
    // HTTP header and in params._meta (SEP-414) alike.
    const forwarded = `00-${TRACE_ID}-${forward!.spanId}-01`
    expect(callsTo(upstream).at(-1)!.headers.traceparent).toBe(forwarded)
    expect(callsTo(upstream).at(-1)!.meta?.traceparent).toBe(forwarded)
  })

  it('carries the trace over a transport without headers (guard, stdio) in params._meta', async () => {
    const server = new McpServer({ name: 'meta-reader', version: '1.0.0' })
    server.registerTool('traceparent', {}, async (extra) => ({
      content: [{ type: 'text', text: String(extra._meta?.traceparent) }],
    }))
    const { client, guarded } = await connectGuarded(server, {
      policies: [{ name: 'all', rules: [{ name: 'all', effect: 'allow' }] }],
      principal: { user_id: 'ann', roles: [] },
    })
    try {
      const result = await client.callTool({
        name: 'traceparent',
        arguments: {},
        _meta: { traceparent: TRACEPARENT },
      })
      const served = named('tools/call').at(-1)!
      expect(served).toMatchObject({ traceId: TRACE_ID, parentSpanId: CLIENT_SPAN })
      const forward = named('mcp-warden.forward').find((s) => s.parentSpanId === served.spanId)
      expect(textOf(result)).toBe(`00-${TRACE_ID}-${forward!.spanId}-01`)
    } finally {
      await guarded.close()
    }
  })

  it('opens an approve span for an escalated call, with its outcome', async () => {
    const client = await httpClient(proxy.url!, { traceparent: TRACEPARENT })
    const result = (await client.callTool({ name: 'hold', arguments: {} })) as CallToolResult
    await client.close()
    expect(result.isError).toBe(true)
    const approve = named('mcp-warden.approve').at(-1)!
    const server = tracing.spans.find((span) => span.spanId === approve.parentSpanId)
    expect(server).toMatchObject({ name: 'tools/call', traceId: TRACE_ID })
    expect(approve.attributes).toMatchObject({
      'gen_ai.tool.name': 'hold',
      'mcp_warden.rule': 'risky',
      'mcp_warden.approval.outcome': 'pending',
    })
  })

  it('marks a span whose step failed with the error code, not its text', async () => {
    const client = await httpClient(proxy.url!, { traceparent: TRACEPARENT })
    await expect(
      client.request({ method: 'resources/read', params: { uri: 42 } } as never, {} as never),
    ).rejects.toThrow()
    await client.close()
    const failed = named('resources/read').at(-1)!
    expect(failed.status).toEqual({ code: 2, message: '-32602' })
  })
})
