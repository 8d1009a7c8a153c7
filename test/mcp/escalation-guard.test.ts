import { readFile } from 'node:fs/promises'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBuiltinApprovalBackend } from '../../src/approval/backend/builtin-approval-backend.js'
import { createHttpApprovalBackend } from '../../src/approval/backend/http-approval-backend.js'
import type { ApprovalBackend } from '../../src/approval/backend/approval-backend.js'
import { memoryAuditLog } from '../../src/audit/memory-audit-log.js'
import { compilePolicies, parsePolicy } from '../../src/index.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from '../approval/http/approval-harness.js'
import { connectGuarded, textOf } from './harness.js'

const PAYER = { user_id: 'pat', roles: ['payer'], method: 'api_key' as const }

/** A payments server that records every transfer it really performs. */
function paymentsServer(performed: unknown[]): McpServer {
  const server = new McpServer({ name: 'payments', version: '1.0.0' })
  server.registerTool(
    'transfer_funds',
    { inputSchema: { amount: z.number(), recipient: z.string(), currency: z.string().optional() } },
    async (args) => {
      performed.push(args)
      return { content: [{ type: 'text', text: `sent ${args.amount} to ${args.recipient}` }] }
    },
  )
  return server
}

describe('escalation through guard()', () => {
  let h: ApprovalHarness
  let approver: TotpApprover

  beforeAll(async () => {
    h = await startApprovalHarness()
    approver = await h.totpApprover('alice')
  })
  afterAll(() => h?.close())

  async function connect(backend: ApprovalBackend, wait: 'block' | 'return' = 'block') {
    const performed: unknown[] = []
    const audit = memoryAuditLog()
    // The shipped policy asks for `wait: block` on its rule; the rule's own mode wins.
    const text = await readFile('policies/payments.yaml', 'utf8')
    const policy = parsePolicy(text.replace('wait: block', `wait: ${wait}`), 'payments.yaml')
    if (Array.isArray(policy)) throw new Error('payments.yaml no longer parses')
    const connected = await connectGuarded(() => paymentsServer(performed), {
      policies: compilePolicies([policy]),
      principal: PAYER,
      audit,
      approvals: { backend, wait, progressIntervalMs: 200, serverName: 'payments' },
    })
    return { ...connected, performed, audit }
  }

  const pending = async (): Promise<{ id: string; content_hash: string }> => {
    for (let i = 0; i < 100; i++) {
      const list = (await (await approver.call('/api/v1/inbox')).json()) as {
        actions: { id: string; content_hash: string }[]
      }
      if (list.actions.length > 0) return list.actions[0]!
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('no pending approval appeared')
  }
  const decide = async (decision: 'approve' | 'deny', reason?: string) => {
    const request = await pending()
    h.clock.now += 30_000
    const response = await approver.call(`/api/v1/inbox/${request.id}/${decision}`, {
      totp: await approver.code(),
      content_hash: request.content_hash,
      ...(reason ? { reason } : {}),
    })
    expect(response.status, await response.clone().text()).toBe(200)
    return request
  }

  it('holds a large transfer until a human approves it, then runs exactly it, once', async () => {
    const { client, performed, audit } = await connect(
      createBuiltinApprovalBackend(h.server.service),
    )
    const progress: string[] = []
    const call = client.callTool(
      { name: 'transfer_funds', arguments: { amount: 250, recipient: 'acme' } },
      undefined,
      { onprogress: (p) => void progress.push(p.message ?? ''), resetTimeoutOnProgress: true },
    )
    const approved = await decide('approve')
    const result = await call
    expect(textOf(result)).toBe('sent 250 to acme')
    expect(performed).toEqual([{ amount: 250, recipient: 'acme' }])
    const stored = await h.server.service.getRequest(approved.id)
    expect(stored).toMatchObject({
      status: 'executed',
      execution_result: 'succeeded',
      rule: 'big_transfers',
    })
    expect(stored.parameters).toMatchObject({
      server: 'payments',
      tool: 'transfer_funds',
      arguments: { amount: 250, recipient: 'acme' },
    })
    expect(stored).toMatchObject({
      action_type: 'purchase',
      risk_level: 'high',
      amount: 250,
      title: 'Transfer 250 to acme',
    })
    const events = audit.records.map((r) => r.event ?? 'decision')
    expect(events).toEqual([
      'decision',
      'approval_requested',
      'approval_resolved',
      'executed',
      'result',
    ])
    expect(progress[0]).toMatch(/^waiting for approval apr_/)
  })

  it('does not run a transfer the approver denied, and passes on the reason', async () => {
    const { client, performed } = await connect(createBuiltinApprovalBackend(h.server.service))
    const call = client.callTool({
      name: 'transfer_funds',
      arguments: { amount: 500, recipient: 'mallory' },
    })
    await decide('deny', 'unknown recipient')
    const result = await call
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(
      /the approver denied this call: unknown recipient \(ERR_APPROVAL_DENIED/,
    )
    expect(performed).toEqual([])
  })

  it('withdraws the approval request when the client cancels the call', async () => {
    const { client, performed } = await connect(createBuiltinApprovalBackend(h.server.service))
    const controller = new AbortController()
    const call = client.callTool(
      { name: 'transfer_funds', arguments: { amount: 300, recipient: 'acme' } },
      undefined,
      { signal: controller.signal },
    )
    const request = await pending()
    controller.abort()
    await expect(call).rejects.toThrow()
    await expect
      .poll(async () => (await h.server.service.getRequest(request.id)).status, { timeout: 5_000 })
      .toBe('denied')
    expect(performed).toEqual([])
  })

  it('in return mode answers "pending", then runs the identical retry once approved, and only once', async () => {
    const { client, performed } = await connect(
      createBuiltinApprovalBackend(h.server.service),
      'return',
    )
    const args = { amount: 120, recipient: 'acme' }
    const first = await client.callTool({ name: 'transfer_funds', arguments: args })
    expect(first.isError).toBe(true)
    expect(textOf(first)).toMatch(/needs a human approval before it runs \(approval apr_/)
    expect(textOf(first)).toMatch(/make exactly the same call again/)
    const tampered = await client.callTool({
      name: 'transfer_funds',
      arguments: { ...args, amount: 9000 },
    })
    expect(textOf(tampered)).toMatch(/needs a human approval/)
    const request = await h.server.service.getRequest(
      /approval (apr_\S+)\)/.exec(textOf(first))![1]!,
    )
    h.clock.now += 30_000
    const approved = await approver.call(`/api/v1/inbox/${request.id}/approve`, {
      totp: await approver.code(),
      content_hash: request.content_hash,
    })
    expect(approved.status).toBe(200)
    const retry = await client.callTool({ name: 'transfer_funds', arguments: args })
    expect(textOf(retry)).toBe('sent 120 to acme')
    const again = await client.callTool({ name: 'transfer_funds', arguments: args })
    expect(textOf(again)).toMatch(/needs a human approval/)
    expect(performed).toEqual([args])
  })

  it('refuses, and runs nothing, when the approval service is down', async () => {
    const backend = createHttpApprovalBackend({
      baseUrl: 'http://127.0.0.1:1',
      apiKey: 'wk_' + 'a'.repeat(43),
      flavor: 'warden',
    })
    const { client, performed } = await connect(backend)
    const result = await client.callTool({
      name: 'transfer_funds',
      arguments: { amount: 400, recipient: 'acme' },
    })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(/ERR_APPROVAL_BACKEND_UNAVAILABLE/)
    expect(performed).toEqual([])
  })

  it('lets a small transfer through without any approval', async () => {
    const { client, performed } = await connect(createBuiltinApprovalBackend(h.server.service))
    const result = await client.callTool({
      name: 'transfer_funds',
      arguments: { amount: 50, recipient: 'acme' },
    })
    expect(textOf(result)).toBe('sent 50 to acme')
    expect(performed).toHaveLength(1)
  })
})
