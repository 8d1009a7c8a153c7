import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../fixtures/escalation/payments-upstream.js'
import {
  createTestDatabase,
  describePostgres,
  type TestDatabase,
} from '../store/postgres-database.js'
import { startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'
import { startTcpRelay, type TcpRelay } from './tcp-relay.js'

const POLICY = `
name: payments
default_effect: deny
rules:
  - name: big_transfers
    effect: escalate
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [call]
    conditions: [{ field: tool.args.amount, operator: gt, value: 100 }]
    approval: { action_type: purchase, risk_level: high, amount: tool.args.amount }
  - name: small_transfers
    effect: allow
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [list, call]
  - name: no_mallory
    effect: deny
    priority: 200
    tools: { names: [transfer_funds] }
    actions: [call]
    conditions: [{ field: tool.args.recipient, operator: equals, value: mallory }]
`

/** What the client got: the tool result's text, or the JSON-RPC error's code. */
async function outcome(
  client: Client,
  amount: number,
  recipient: string,
  timeout = 20_000,
): Promise<string> {
  try {
    const result = await client.callTool(
      { name: 'transfer_funds', arguments: { amount, recipient } },
      undefined,
      { timeout },
    )
    return `${result.isError ? 'tool error' : 'ok'}: ${textOf(result)}`
  } catch (error) {
    const { code, data } = error as { code?: number; data?: { code?: string } }
    return `rpc error: ${data?.code ?? code}`
  }
}

describePostgres('fault: the approval store (PostgreSQL) becomes unreachable', () => {
  let db: TestDatabase
  let relay: TcpRelay
  let upstream: PaymentsUpstream
  let started: FaultProxy
  let client: Client

  beforeAll(async () => {
    // The built-in backend must seal with the key file in the temp dir, not an env key.
    vi.stubEnv('WARDEN_SECRET_KEY', '')
    db = await createTestDatabase()
    const direct = new URL(db.url)
    relay = await startTcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) })
    const relayed = new URL(db.url)
    relayed.hostname = '127.0.0.1'
    relayed.port = String(relay.port)
    upstream = await startPaymentsUpstream()
    started = await startFaultProxy({
      policy: POLICY,
      config: {
        upstreams: { payments: { url: upstream.url } },
        demo_keys: [{ user_id: 'pat', roles: ['payer'] }],
        audit: { file: 'audit.jsonl' },
        approvals: { backend: 'builtin', store: relayed.toString(), wait: 'return' },
      },
    })
    client = await started.clientAs('pat')
  })
  afterEach(() => relay?.restore())
  afterAll(async () => {
    await started?.close()
    await upstream?.close()
    await relay?.close()
    await db?.drop()
    vi.unstubAllEnvs()
  })

  it('holds an approval-gated call for approval while the store is up', async () => {
    expect(await outcome(client, 500, 'up')).toMatch(/^tool error: This call needs a human/)
    expect(upstream.to('up')).toEqual([])
  })

  it('refuses approval-gated calls when the store refuses connections, nothing forwarded', async () => {
    relay.cut('refuse')
    expect(await outcome(client, 600, 'refused')).toMatch(
      /^tool error: .*\(ERR_APPROVAL_BACKEND_UNAVAILABLE/,
    )
    expect(upstream.to('refused')).toEqual([])
  })

  it('keeps deciding plain allow and deny while the store refuses connections', async () => {
    relay.cut('refuse')
    expect(await outcome(client, 50, 'small')).toBe('ok: sent 50 to small')
    expect(await outcome(client, 50, 'mallory')).toMatch(/^tool error: .*denied/)
    expect(upstream.to('mallory')).toEqual([])
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['transfer_funds'])
  })

  it('asks for approval again once the store is back', async () => {
    relay.cut('refuse')
    expect(await outcome(client, 700, 'back')).toMatch(/ERR_APPROVAL_BACKEND_UNAVAILABLE/)
    relay.restore()
    await vi.waitFor(
      async () => expect(await outcome(client, 700, 'back')).toMatch(/needs a human approval/),
      { timeout: 15_000, interval: 250 },
    )
  })

  it('keeps deciding plain allow and deny while the store is behind a network partition', async () => {
    relay.cut('blackhole')
    expect(await outcome(client, 40, 'partitioned')).toBe('ok: sent 40 to partitioned')
    expect(await outcome(client, 40, 'mallory')).toMatch(/^tool error: .*denied/)
  })

  // A pooled connection the partition swallowed fails after the pool's 10 s query timeout.
  it('refuses approval-gated calls while the store is behind a network partition', async () => {
    // A pooled connection that worked a moment ago is the one the partition swallows.
    expect(await outcome(client, 900, 'warm')).toMatch(/needs a human approval/)
    relay.cut('blackhole')
    expect(await outcome(client, 800, 'partition', 15_000)).toMatch(
      /ERR_APPROVAL_BACKEND_UNAVAILABLE/,
    )
    expect(upstream.to('partition')).toEqual([])
  }, 30_000)
})
