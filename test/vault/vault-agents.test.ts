import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ActionDeniedError, WardenClient } from '../../src/approval/client/index.js'
import { createApprovalsMcpServer } from '../../src/approval/mcp-server/index.js'
import { jsonOf, textOf } from '../approval/mcp-server/tool-json.js'
import { SECRET } from './vault-fixtures.js'
import { startVaultHarness, type VaultHarness } from './vault-harness.js'

/** The id of the next pending request the agent creates, once it exists. */
async function nextPending(v: VaultHarness, known: Set<string>): Promise<string> {
  for (;;) {
    const pending = await v.store.listRequests({ status: 'pending' }, v.h.clock.now)
    const fresh = pending.find((request) => !known.has(request.id))
    if (fresh) {
      known.add(fresh.id)
      return fresh.id
    }
    await new Promise((done) => setTimeout(done, 10))
  }
}

describe('vault calls from the agent SDK and the approvals MCP server', () => {
  let v: VaultHarness
  let client: WardenClient
  let server: McpServer
  let mcp: Client
  const known = new Set<string>()

  beforeAll(async () => {
    v = await startVaultHarness()
    client = new WardenClient({ apiKey: v.agentKey, baseUrl: v.h.url })
    server = createApprovalsMcpServer(client, { progressIntervalSeconds: 1 })
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    mcp = new Client({ name: 'vault-test', version: '1' })
    await mcp.connect(clientSide)
  })
  afterAll(async () => {
    await mcp?.close()
    await server?.close()
    await v?.close()
  })
  beforeEach(() => {
    v.target.received.length = 0
  })

  const call = (name: string, args: Record<string, unknown> = {}) =>
    mcp.callTool({ name, arguments: args }) as Promise<CallToolResult>

  it('SDK: executeApiCall requests, waits for the human, then runs the call once', async () => {
    expect(await client.listVaultServices()).toMatchObject({
      services: [{ service_name: 'api', auth_type: 'bearer' }],
    })
    const running = client.executeApiCall({
      service_name: 'api',
      method: 'PATCH',
      url: `${v.base}/user`,
      headers: { 'content-type': 'application/json' },
      body: '{"bio":"hi"}',
      description: 'Update the profile bio',
    })
    const id = await nextPending(v, known)
    await v.approve(id)
    const result = await running
    expect(result).toMatchObject({
      status: 'executed',
      request_id: id,
      response: { status_code: 200 },
    })
    expect(result.response.body).not.toContain(SECRET)
    expect(v.target.received).toMatchObject([
      { method: 'PATCH', path: '/user', body: '{"bio":"hi"}' },
    ])
    await expect(client.executeApprovedCall(id)).rejects.toMatchObject({
      status: 409,
      code: 'ERR_APPROVAL_ALREADY_EXECUTED',
    })
  })

  it('SDK: a denied call throws ActionDeniedError and never runs', async () => {
    const running = client
      .executeApiCall({ service_name: 'api', method: 'DELETE', url: `${v.base}/repo` })
      .catch((error: unknown) => error)
    const id = await nextPending(v, known)
    v.h.clock.now += 30_000
    const view = (await (await v.call(`/actions/${id}`)).json()) as { content_hash: string }
    await v.approver.call(`/api/v1/inbox/${id}/deny`, {
      content_hash: view.content_hash,
      totp: await v.approver.code(),
      reason: 'not that repo',
    })
    expect(await running).toBeInstanceOf(ActionDeniedError)
    expect(v.target.received).toEqual([])
  })

  it('SDK: the vault refusing a call is a WardenApiError with the code', async () => {
    await expect(
      client.executeApiCall({ service_name: 'api', method: 'GET', url: 'https://evil.example/' }),
    ).rejects.toMatchObject({ name: 'WardenApiError', status: 403, code: 'ERR_HOST_NOT_ALLOWED' })
  })

  it('MCP: list_vault_services and execute_api_call, waiting for the approval', async () => {
    const services = jsonOf(await call('list_vault_services'))
    expect(services).toMatchObject({ services: [{ service_name: 'api' }] })
    expect(JSON.stringify(services)).not.toContain(SECRET)

    const running = call('execute_api_call', {
      service_name: 'api',
      method: 'GET',
      url: `${v.base}/user/repos?per_page=5`,
      description: 'List my five newest repositories',
    })
    const id = await nextPending(v, known)
    await v.approve(id)
    const result = await running
    expect(result.isError).toBeFalsy()
    expect(jsonOf(result)).toMatchObject({
      status: 'executed',
      request_id: id,
      response: { status_code: 200 },
    })
    expect(textOf(result)).not.toContain(SECRET)
    expect(v.target.received.map((each) => each.path)).toEqual(['/user/repos?per_page=5'])
  })

  it('MCP: a call still pending returns its request_id, and a second call with it resumes', async () => {
    const pending = await call('execute_api_call', {
      service_name: 'api',
      method: 'GET',
      url: `${v.base}/later`,
      timeout_seconds: 1,
    })
    const first = jsonOf(pending)
    expect(first).toMatchObject({ status: 'pending' })
    expect(String(first.next_step)).toContain(`request_id "${String(first.id)}"`)
    known.add(String(first.id))
    await v.approve(String(first.id))
    const resumed = jsonOf(await call('execute_api_call', { request_id: first.id }))
    expect(resumed).toMatchObject({ status: 'executed', request_id: first.id })
    expect(v.target.received.map((each) => each.path)).toEqual(['/later'])
  })

  it('MCP: refusals and missing fields are tool errors the model can read', async () => {
    const refused = await call('execute_api_call', {
      service_name: 'api',
      method: 'GET',
      url: `${v.base}/`,
      headers: { Authorization: 'Bearer guess' },
    })
    expect(refused.isError).toBe(true)
    expect(textOf(refused)).toMatch(/^ERR_APPROVAL_INVALID: headers."Authorization"/)
    const missing = await call('execute_api_call', { method: 'GET' })
    expect(missing.isError).toBe(true)
    expect(textOf(missing)).toContain('service_name, method and url are required')
  })
})
