import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import {
  startPaymentsUpstream,
  type PaymentsUpstream,
} from '../fixtures/escalation/payments-upstream.js'
import { startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'

/** Every write to it fails with ENOSPC: an audit file on a full disk. */
const FULL_DISK = '/dev/full'

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

/** What the client got: the tool result's text, or the JSON-RPC error's warden code. */
async function outcome(client: Client, amount: number, recipient: string): Promise<string> {
  try {
    const result = await client.callTool({
      name: 'transfer_funds',
      arguments: { amount, recipient },
    })
    return `${result.isError ? 'tool error' : 'ok'}: ${textOf(result)}`
  } catch (error) {
    return `rpc error: ${(error as { data?: { code?: string } }).data?.code ?? String(error)}`
  }
}

if (!existsSync(FULL_DISK)) console.warn(`SKIPPED audit fault tests: no ${FULL_DISK} here`)

describe.runIf(existsSync(FULL_DISK))('fault: the audit file cannot be written', () => {
  let upstream: PaymentsUpstream
  const proxies: Record<'deny' | 'continue', FaultProxy> = {} as never

  beforeAll(async () => {
    upstream = await startPaymentsUpstream()
    for (const onFailure of ['deny', 'continue'] as const) {
      proxies[onFailure] = await startFaultProxy({
        policy: POLICY,
        config: {
          upstreams: { payments: { url: upstream.url } },
          demo_keys: [{ user_id: 'pat', roles: ['payer'] }],
          audit: {
            file: FULL_DISK,
            ...(onFailure === 'continue' ? { on_failure: 'continue' } : {}),
          },
          approvals: { backend: 'builtin', store: 'sqlite:approvals.db', wait: 'return' },
        },
      })
    }
  })
  afterAll(async () => {
    for (const proxy of Object.values(proxies)) await proxy?.close()
    await upstream?.close()
  })

  /** Approval requests the proxy's built-in backend holds. */
  async function approvalRequests(proxy: FaultProxy): Promise<number> {
    const store = await openStore(`sqlite:${join(proxy.dir, 'approvals.db')}`)
    try {
      return (await store.listRequests({}, Date.now())).length
    } finally {
      await store.close()
    }
  }

  describe('on_failure: deny (the default)', () => {
    it('refuses an allowed call with ERR_AUDIT_WRITE_FAILED and never forwards it', async () => {
      const client = await proxies.deny.clientAs('pat')
      expect(await outcome(client, 50, 'deny-small')).toBe('rpc error: ERR_AUDIT_WRITE_FAILED')
      expect(upstream.to('deny-small')).toEqual([])
    })

    it('refuses a listing it cannot audit', async () => {
      const client = await proxies.deny.clientAs('pat')
      await expect(client.listTools()).rejects.toMatchObject({
        data: { code: 'ERR_AUDIT_WRITE_FAILED' },
      })
    })

    it('refuses an approval-gated call before any approval is requested', async () => {
      const client = await proxies.deny.clientAs('pat')
      expect(await outcome(client, 500, 'deny-big')).toBe('rpc error: ERR_AUDIT_WRITE_FAILED')
      expect(upstream.to('deny-big')).toEqual([])
      expect(await approvalRequests(proxies.deny)).toBe(0)
    })
  })

  describe('on_failure: continue', () => {
    it('serves an allowed call and logs the failure', async () => {
      const client = await proxies.continue.clientAs('pat')
      expect(await outcome(client, 50, 'cont-small')).toBe('ok: sent 50 to cont-small')
      expect(upstream.to('cont-small')).toEqual([{ amount: 50, recipient: 'cont-small' }])
      expect(proxies.continue.logs.join('\n')).toMatch(/audit write failed/i)
    })

    it('still denies what the policy denies', async () => {
      const client = await proxies.continue.clientAs('pat')
      expect(await outcome(client, 50, 'mallory')).toMatch(/^tool error: .*denied/)
      expect(upstream.to('mallory')).toEqual([])
    })

    it('serves listings', async () => {
      const client = await proxies.continue.clientAs('pat')
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['transfer_funds'])
    })

    // The continue sink still refuses escalations: an approval-gated call never runs unaudited.
    it('refuses an approval-gated call: it never runs unaudited', async () => {
      const client = await proxies.continue.clientAs('pat')
      const answer = await outcome(client, 500, 'cont-big')
      expect(upstream.to('cont-big')).toEqual([])
      expect(answer).not.toMatch(/needs a human approval/)
      expect(answer).toMatch(/ERR_AUDIT_WRITE_FAILED/)
      expect(await approvalRequests(proxies.continue)).toBe(0)
    })
  })
})
