import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  WardenClient,
  computeContentHash,
  fingerprint,
} from '../../../src/approval/client/index.js'
import { createApprovalsMcpServer } from '../../../src/approval/mcp-server/index.js'
import { startApprovalHarness, type ApprovalHarness } from '../client/approval-harness.js'
import { SEVEN_TOOLS, jsonOf, textOf } from './tool-json.js'

describe('approvals MCP server (in-memory)', () => {
  let harness: ApprovalHarness
  let server: McpServer
  let mcp: Client
  beforeAll(async () => {
    harness = await startApprovalHarness()
    const client = new WardenClient({ apiKey: harness.apiKey, baseUrl: harness.url })
    server = createApprovalsMcpServer(client, { progressIntervalSeconds: 1 })
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    mcp = new Client({ name: 'approvals-test', version: '1' })
    await mcp.connect(clientSide)
  })
  afterAll(async () => {
    await mcp.close()
    await server.close()
    await harness.close()
  })

  const call = (name: string, args: Record<string, unknown> = {}) =>
    mcp.callTool({ name, arguments: args }) as Promise<CallToolResult>

  it('lists the seven tools, each with a description', async () => {
    const { tools } = await mcp.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(SEVEN_TOOLS)
    for (const tool of tools) expect(tool.description?.length).toBeGreaterThan(60)
    const request = tools.find((tool) => tool.name === 'request_approval')!
    expect(request.inputSchema.required).toEqual(['action_type', 'title'])
    expect(mcp.getInstructions()).toContain('request_approval')
  })

  it('requests, then waits while a human approves by TOTP, and reports who and how', async () => {
    const parameters = { to: 'investors@acme.com', subject: 'Q4 results' }
    const requested = await call('request_approval', {
      action_type: 'communication',
      title: 'Send the Q4 report to investors@acme.com',
      parameters,
    })
    expect(requested.isError).toBeFalsy()
    const pending = jsonOf(requested)
    expect(pending).toMatchObject({
      status: 'pending',
      content_hash: computeContentHash(parameters),
      fingerprint: fingerprint(computeContentHash(parameters)),
      parameters,
    })
    expect(pending.next_step).toContain(String(pending.approval_url))
    const waiting = call('wait_for_approval', { request_id: pending.id, timeout_seconds: 60 })
    await harness.approve(String(pending.id))
    const approved = jsonOf(await waiting)
    expect(approved).toMatchObject({
      id: pending.id,
      status: 'approved',
      resolved_by: harness.approverId,
      method: 'totp',
      fingerprint: pending.fingerprint,
    })
    expect(approved.next_step).toContain('Approved')
    expect(jsonOf(await call('check_approval', { request_id: pending.id })).status).toBe('approved')
  })

  it('sends progress while it waits and answers pending when its time is up', async () => {
    harness.advance(1_000)
    const pending = jsonOf(
      await call('request_approval', { action_type: 'system', title: 'Restart' }),
    )
    const progress: number[] = []
    const result = await mcp.callTool(
      { name: 'wait_for_approval', arguments: { request_id: pending.id, timeout_seconds: 2 } },
      undefined,
      { onprogress: (p) => void progress.push(p.progress), resetTimeoutOnProgress: true },
    )
    expect(result.isError).toBeFalsy()
    expect(jsonOf(result)).toMatchObject({ status: 'pending' })
    expect(String(jsonOf(result).next_step)).toContain('call wait_for_approval again')
    expect(progress.length).toBeGreaterThanOrEqual(1)
    expect(progress[0]).toBe(1)
  })

  it('reports a denial as a result with the reason, not as a tool error', async () => {
    harness.advance(1_000)
    const pending = jsonOf(
      await call('request_approval', { action_type: 'social', title: 'Tweet' }),
    )
    await harness.deny(String(pending.id), 'wrong tone')
    const denied = await call('wait_for_approval', { request_id: pending.id })
    expect(denied.isError).toBeFalsy()
    expect(jsonOf(denied)).toMatchObject({ status: 'denied', deny_reason: 'wrong tone' })
    expect(String(jsonOf(denied).next_step)).toContain('Do not perform')
  })

  it('shows spending and a compact history', async () => {
    expect(jsonOf(await call('get_spending_summary'))).toEqual({ summaries: [] })
    const history = jsonOf(await call('get_approval_history', { limit: 2 }))
    const actions = history.actions as Record<string, unknown>[]
    expect(actions.map((action) => action.title)).toEqual(['Tweet', 'Restart'])
    expect(actions[0]).toMatchObject({ status: 'denied', deny_reason: 'wrong tone' })
    expect(actions[0]).not.toHaveProperty('parameters')
    const denied = jsonOf(await call('get_approval_history', { status: 'denied' }))
    expect((denied.actions as unknown[]).length).toBe(1)
  })

  it('answers the vault tools with a clear "vault not configured" tool error', async () => {
    for (const [name, args] of [
      ['list_vault_services', {}],
      [
        'execute_api_call',
        { service_name: 'github', method: 'GET', url: 'https://api.github.com/user' },
      ],
    ] as const) {
      const result = await call(name, args)
      expect(result.isError).toBe(true)
      expect(textOf(result)).toContain('ERR_VAULT_NOT_CONFIGURED')
      expect(textOf(result)).toContain('vault not configured')
    }
  })

  it('turns service errors and bad input into tool errors the model can read', async () => {
    const unknown = await call('check_approval', { request_id: 'apr_nope' })
    expect(unknown.isError).toBe(true)
    expect(textOf(unknown)).toContain('ERR_APPROVAL_NOT_FOUND')
    const invalid = await call('request_approval', { action_type: 'teleport', title: 'Beam me up' })
    expect(invalid.isError).toBe(true)
    expect(textOf(invalid)).toContain('action_type')
  })
})
