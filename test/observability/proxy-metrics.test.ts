import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpClient, startTestProxy, type StartedProxy } from '../mcp/proxy/proxy-harness.js'
import { admin, sample } from './metrics-text.js'

const ADMIN = { admin: { host: '127.0.0.1', port: 0 } }

describe('the proxy metrics endpoint', () => {
  let started: StartedProxy
  let ada: Client
  let ian: Client

  const metrics = async () => {
    const answer = await admin(started.proxy.adminUrl!, '/metrics')
    expect(answer.status).toBe(200)
    return answer.text
  }

  beforeAll(async () => {
    started = await startTestProxy(ADMIN)
    ada = await httpClient(started.proxy.url!, { 'x-api-key': started.key('ada') })
    ian = await httpClient(started.proxy.url!, { 'x-api-key': started.key('ian') })
  })
  afterAll(async () => {
    await ada?.close()
    await ian?.close()
    await started?.proxy.close()
  })

  it('counts decisions by effect, rule and tool after real calls', async () => {
    const before = await metrics()
    expect(sample(before, 'warden_decisions_total', { tool: 'echo' })).toBeUndefined()

    await ada.callTool({ name: 'echo', arguments: { text: 'one' } })
    await ada.callTool({ name: 'echo', arguments: { text: 'two' } })
    const denied = await ian.callTool({ name: 'echo', arguments: { text: 'no' } })
    expect(denied.isError).toBe(true)
    await ada.listTools()

    const text = await metrics()
    const allowed = { action: 'call', effect: 'allow', rule: 'admins', tool: 'echo' }
    expect(sample(text, 'warden_decisions_total', allowed)).toBe(2)
    const deny = { action: 'call', effect: 'deny', rule: '', tool: 'echo' }
    expect(sample(text, 'warden_decisions_total', deny)).toBe(1)
    expect(sample(text, 'warden_decisions_total', { action: 'list' })).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'warden_decision_duration_seconds_count', { action: 'call' })).toBe(3)
  })

  it('times upstream answers and counts open sessions', async () => {
    const text = await metrics()
    const forwarded = { method: 'tools/call', outcome: 'ok' }
    // Only the two allowed calls reached the upstream.
    expect(sample(text, 'warden_upstream_request_duration_seconds_count', forwarded)).toBe(2)
    expect(sample(text, 'warden_active_sessions')).toBe(2)

    // A Streamable HTTP session ends with DELETE, not with the client dropping its connection.
    await (ian.transport as StreamableHTTPClientTransport).terminateSession()
    await ian.close()
    await expect.poll(async () => sample(await metrics(), 'warden_active_sessions')).toBe(1)
  })

  it('counts an upstream process that died as a restart', async () => {
    const crashed = await ada.callTool({ name: 'crash', arguments: {} }).catch((e: Error) => e)
    expect(crashed).toBeInstanceOf(Error)
    await expect
      .poll(async () =>
        sample(await metrics(), 'warden_upstream_restarts_total', { upstream: 'notes' }),
      )
      .toBe(1)
    // The next call starts it again.
    const again = await ada.callTool({ name: 'echo', arguments: { text: 'back' } })
    expect(again.isError).toBeFalsy()
  })

  it('starts every counter at zero, so a rate is defined from the first scrape', async () => {
    const text = await metrics()
    expect(sample(text, 'warden_audit_write_failures_total')).toBe(0)
    expect(sample(text, 'warden_vault_executions_total', { outcome: 'error' })).toBe(0)
    expect(text).toMatch(/^process_cpu_user_seconds_total /m)
  })
})

describe('audit write failures', () => {
  it('counts each record the audit file refused, when on_failure is continue', async () => {
    // /dev/full accepts the open and refuses every write (ENOSPC).
    const started = await startTestProxy({
      ...ADMIN,
      audit: { file: '/dev/full', on_failure: 'continue' },
    })
    const client = await httpClient(started.proxy.url!, { 'x-api-key': started.key('ada') })
    try {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'still runs' } })
      expect(result.isError).toBeFalsy()
      const { text } = await admin(started.proxy.adminUrl!, '/metrics')
      expect(sample(text, 'warden_audit_write_failures_total')).toBeGreaterThanOrEqual(1)
      expect(started.logs.join('\n')).toMatch(/audit write failed; continuing as configured/)
    } finally {
      await client.close()
      await started.proxy.close()
    }
  })
})
