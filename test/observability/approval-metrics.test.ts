import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { startApprovalHarness, type ApprovalHarness } from '../approval/http/approval-harness.js'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../fixtures/escalation/payments-upstream.js'
import {
  callTransfer,
  closedPort,
  escalationPolicy,
  inboxDecider,
  PAYER,
} from '../mcp/proxy/escalation-harness.js'
import { httpClient } from '../mcp/proxy/proxy-harness.js'
import { admin, sample } from './metrics-text.js'

const KEY_ENV = 'WARDEN_APPROVAL_METRICS_KEY'

describe('approval metrics', () => {
  let h: ApprovalHarness
  let upstream: PaymentsUpstream
  let proxy: RunningProxy
  let key: string

  beforeAll(async () => {
    h = await startApprovalHarness({ admin: { host: '127.0.0.1', port: 0 } })
    upstream = await startPaymentsUpstream()
    vi.stubEnv(KEY_ENV, await h.agentKey('metrics-proxy'))
    const dir = await mkdtemp(join(tmpdir(), 'warden-approval-metrics-'))
    await writeFile(join(dir, 'policy.yaml'), escalationPolicy('5m'))
    const config = await loadProxyConfig({
      overrides: {
        listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
        upstreams: { payments: { url: upstream.url } },
        policies: join(dir, 'policy.yaml'),
        demo_keys: [PAYER],
        approvals: { backend: 'http', url: h.url, api_key_env: KEY_ENV, progress_interval: 0.2 },
        admin: { host: '127.0.0.1', port: 0 },
      },
      cwd: dir,
    })
    proxy = await startProxy(config, { log: () => undefined })
    key = proxy.demoKeys[0]!.key
  })
  afterAll(async () => {
    await proxy?.close()
    await upstream?.close()
    await h?.close()
    vi.unstubAllEnvs()
  })

  it('counts approvals by status and method on both sides, and times the wait', async () => {
    const decider = inboxDecider(h, await h.totpApprover('alice'))
    const client = await httpClient(proxy.url!, { 'x-api-key': key })
    const approved = callTransfer(client, { amount: 500, recipient: 'acme' })
    await decider.decide(await approved.approvalId)
    expect((await approved.result).isError).toBeFalsy()
    const denied = callTransfer(client, { amount: 700, recipient: 'mallory' })
    await decider.decide(await denied.approvalId, 'deny', 'no')
    expect((await denied.result).isError).toBe(true)
    await client.close()

    const { text: atProxy } = await admin(proxy.adminUrl!, '/metrics')
    expect(sample(atProxy, 'warden_approvals_total', { status: 'approved', method: 'totp' })).toBe(
      1,
    )
    expect(sample(atProxy, 'warden_approvals_total', { status: 'denied', method: 'totp' })).toBe(1)
    expect(sample(atProxy, 'warden_approval_wait_seconds_count', { status: 'approved' })).toBe(1)
    expect(
      sample(atProxy, 'warden_decisions_total', { effect: 'escalate', rule: 'big_transfers' }),
    ).toBe(2)

    const { text: atServe } = await admin(h.server.adminUrl!, '/metrics')
    expect(sample(atServe, 'warden_approvals_total', { status: 'approved', method: 'totp' })).toBe(
      1,
    )
    expect(sample(atServe, 'warden_approvals_total', { status: 'denied', method: 'totp' })).toBe(1)
    // The service's clock moved 30 s per TOTP step while the requests were pending.
    expect(sample(atServe, 'warden_approval_wait_seconds_count', { status: 'denied' })).toBe(1)
  })

  it('reports the approval backend in /readyz, and not ready when it is down', async () => {
    const ready = await admin(proxy.adminUrl!, '/readyz')
    expect(JSON.parse(ready.text).checks.approvals).toEqual({ ok: true })

    const dir = await mkdtemp(join(tmpdir(), 'warden-approval-metrics-'))
    await writeFile(join(dir, 'policy.yaml'), escalationPolicy('5m'))
    const down = await startProxy(
      await loadProxyConfig({
        overrides: {
          listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
          upstreams: { payments: { url: upstream.url } },
          policies: join(dir, 'policy.yaml'),
          demo_keys: [PAYER],
          approvals: {
            backend: 'http',
            url: `http://127.0.0.1:${await closedPort()}`,
            api_key_env: KEY_ENV,
          },
          admin: { host: '127.0.0.1', port: 0 },
        },
        cwd: dir,
      }),
      { log: () => undefined },
    )
    try {
      const answer = await admin(down.adminUrl!, '/readyz')
      expect(answer.status).toBe(503)
      expect(JSON.parse(answer.text).checks.approvals).toMatchObject({ ok: false })
    } finally {
      await down.close()
    }
  })
})
