import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { loadProxyConfig } from '../../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../../src/mcp/proxy/start-proxy.js'
import type { ApprovalHarness, TotpApprover } from '../../approval/http/approval-harness.js'
import { httpClient } from './proxy-harness.js'

/** The caller every escalation test uses: a payer, identified by a demo API key. */
export const PAYER = { user_id: 'pat', roles: ['payer'] }

/** Transfers above 100 wait for a human, who sees the amount and recipient in the title. */
export function escalationPolicy(timeout: string): string {
  return `
name: payments
default_effect: deny
rules:
  - name: big_transfers
    effect: escalate
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [call]
    conditions:
      - { field: tool.args.amount, operator: gt, value: 100 }
    approval:
      action_type: purchase
      risk_level: high
      amount: tool.args.amount
      currency: USD
      recipient: tool.args.recipient
      title: "Transfer {tool.args.amount} to {tool.args.recipient}"
      timeout: ${timeout}
  - name: small_transfers
    effect: allow
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [call]
    conditions:
      - { field: tool.args.amount, operator: lte, value: 100 }
  - name: payers_see_transfers
    effect: allow
    agents: { roles: [payer] }
    tools: { names: [transfer_funds] }
    actions: [list]
`
}

export interface EscalationProxyOptions {
  /** The payments upstream's MCP URL. */
  upstream: string
  /** `approvals:` of warden.yaml, as written there. */
  approvals: Record<string, unknown>
  /** The approval block's `timeout`; default 5m. */
  timeout?: string
}

export interface EscalationProxy {
  proxy: RunningProxy
  url: string
  /** `audit.file` of this proxy (hash-chained JSONL). */
  auditFile: string
  logs: string[]
  /** A new Streamable HTTP session as the payer; closed with the proxy. */
  client(): Promise<Client>
  close(): Promise<void>
}

/** The real `warden proxy` (HTTP listener, API-key identity, audit file) in front of `upstream`. */
export async function startEscalationProxy(
  options: EscalationProxyOptions,
): Promise<EscalationProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-escalation-'))
  await writeFile(join(dir, 'policy.yaml'), escalationPolicy(options.timeout ?? '5m'))
  const auditFile = join(dir, 'audit.jsonl')
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      upstreams: { payments: { url: options.upstream } },
      policies: join(dir, 'policy.yaml'),
      demo_keys: [PAYER],
      audit: { file: auditFile },
      approvals: options.approvals,
    },
    cwd: dir,
  })
  const logs: string[] = []
  const proxy = await startProxy(config, { log: (line) => void logs.push(line) })
  const key = proxy.demoKeys.find((k) => k.user_id === PAYER.user_id)!.key
  const clients: Client[] = []
  return {
    proxy,
    url: proxy.url!,
    auditFile,
    logs,
    async client() {
      const client = await httpClient(proxy.url!, { 'x-api-key': key })
      clients.push(client)
      return client
    },
    async close() {
      for (const client of clients) await client.close().catch(() => undefined)
      await proxy.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A tools/call in flight: its approval id (from the first progress notification) and result. */
export interface CallInFlight {
  approvalId: Promise<string>
  result: Promise<CallToolResult>
}

/** Calls transfer_funds and asks for progress, which names the approval the call waits on. */
export function callTransfer(
  client: Client,
  args: { amount: number; recipient: string },
  signal?: AbortSignal,
): CallInFlight {
  let found!: (id: string) => void
  const approvalId = new Promise<string>((resolve) => (found = resolve))
  const result = client.callTool({ name: 'transfer_funds', arguments: args }, undefined, {
    resetTimeoutOnProgress: true,
    ...(signal ? { signal } : {}),
    onprogress: (progress) => {
      const id = /waiting for approval ([\w-]+)/.exec(progress.message ?? '')?.[1]
      if (id) found(id)
    },
  }) as Promise<CallToolResult>
  return { approvalId, result }
}

/** One transfer_funds call, answered without waiting on anyone (allowed, pending or refused). */
export async function transfer(
  client: Client,
  args: { amount: number; recipient: string },
): Promise<CallToolResult> {
  return (await client.callTool({ name: 'transfer_funds', arguments: args })) as CallToolResult
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('')
}

/** The approval id a "pending" answer names. */
export function pendingId(result: CallToolResult): string {
  const id = /needs a human approval before it runs \(approval ([\w-]+)\)/.exec(textOf(result))?.[1]
  if (!id) throw new Error(`not a pending answer: ${textOf(result)}`)
  return id
}

/**
 * An approver deciding through `warden serve`'s HTTP API with TOTP, as the inbox does: it
 * reads the request, then sends the hash it was shown. `prepare` does everything but the
 * decision itself and returns it, so a benchmark can time exactly the approver's action.
 */
export function inboxDecider(harness: ApprovalHarness, approver: TotpApprover) {
  async function prepare(id: string, decision: 'approve' | 'deny' = 'approve', reason?: string) {
    const shown = await approver.call(`/api/v1/inbox/${id}`)
    if (shown.status !== 200) throw new Error(`inbox ${id}: ${await shown.text()}`)
    const { content_hash } = (await shown.json()) as { content_hash: string }
    // Each TOTP step works once per approver: the next decision takes the next step.
    harness.clock.now += 30_000
    const totp = await approver.code()
    return async (): Promise<Response> => {
      const response = await approver.call(`/api/v1/inbox/${id}/${decision}`, {
        totp,
        content_hash,
        ...(reason !== undefined ? { reason } : {}),
      })
      if (response.status !== 200) {
        throw new Error(`${decision} ${id}: HTTP ${response.status} ${await response.text()}`)
      }
      return response
    }
  }
  return {
    prepare,
    async decide(id: string, decision: 'approve' | 'deny' = 'approve', reason?: string) {
      return (await prepare(id, decision, reason))()
    },
  }
}

/** A loopback port nothing listens on (the "backend down" case). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}
