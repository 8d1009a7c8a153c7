import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it } from 'vitest'
import type { PolicyInput } from '../../src/policy/schema.js'
import type { Principal } from '../../src/policy/request.js'
import type { PrincipalSource } from '../../src/mcp/bridge.js'
import { connectGuarded, rejection, textOf, type Connected } from './harness.js'
import { createRelayServer, type Observed } from './relay-server.js'

/** Testers see everything, use prompts, and call only tools the server marks read-only. */
const POLICIES: PolicyInput[] = [
  {
    name: 'probe',
    rules: [
      {
        name: 'see_all',
        effect: 'allow',
        agents: { roles: ['tester'] },
        actions: ['list', 'read', 'get'],
      },
      {
        name: 'read_only_calls',
        effect: 'allow',
        agents: { roles: ['tester'] },
        tools: { annotations: { readOnlyHint: true } },
        actions: ['call'],
      },
    ],
  },
]

const tester: Principal = { user_id: 'tess', roles: ['tester'] }
const open: Connected[] = []

async function probe(
  clientOptions: ClientOptions = {},
  principal: PrincipalSource = tester,
  authInfo?: AuthInfo,
): Promise<Connected & { observed: Observed }> {
  const { server, observed } = createRelayServer()
  const connected = await connectGuarded(
    server,
    { policies: POLICIES, principal },
    clientOptions,
    authInfo,
  )
  open.push(connected)
  return { ...connected, observed }
}

afterEach(async () => {
  for (const connected of open.splice(0)) await connected.guarded.close()
})

describe('guard() relays the rest of MCP', () => {
  it('tells the client the upstream server info, capabilities and instructions', async () => {
    const { client } = await probe()
    expect(client.getServerVersion()).toEqual({ name: 'relay-probe', version: '2.0.0' })
    expect(client.getServerCapabilities()?.logging).toEqual({})
    expect(client.getServerCapabilities()?.tools).toBeDefined()
    expect(client.getInstructions()).toBe('probe instructions')
  })

  it('shows the upstream the real client info', async () => {
    const { client } = await probe()
    expect(textOf(await client.callTool({ name: 'client_info' }))).toBe('test-client')
  })

  it('relays progress under the client own progress token', async () => {
    const { client } = await probe()
    const seen: number[] = []
    const result = await client.callTool({ name: 'count' }, undefined, {
      onprogress: (progress) => seen.push(progress.progress),
    })
    expect(textOf(result)).toBe('counted')
    expect(seen).toEqual([1, 2, 3])
  })

  it('carries a cancellation to the wrapped server', async () => {
    const { client, observed } = await probe()
    const controller = new AbortController()
    const call = client.callTool({ name: 'wait_for_cancel' }, undefined, {
      signal: controller.signal,
    })
    await observed.started.promise
    controller.abort('user gave up')
    await expect(call).rejects.toThrow()
    await observed.aborted.promise
  })

  it('relays logging/setLevel and the log messages that pass it', async () => {
    const { client } = await probe()
    const messages: LoggingMessageNotification['params'][] = []
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void messages.push(n.params),
    )
    await client.setLoggingLevel('warning')
    await client.callTool({ name: 'log' })
    await expect.poll(() => messages.length).toBe(1)
    expect(messages[0]).toMatchObject({ level: 'error', data: 'something broke' })
  })

  it('relays sampling requests to the client and the answers back', async () => {
    const { client } = await probe({ capabilities: { sampling: {} } })
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: '4' },
      model: 'test-model',
    }))
    expect(textOf(await client.callTool({ name: 'ask_model' }))).toBe('model said 4')
  })

  it('advertises sampling to the upstream only when the client supports it', async () => {
    const { client } = await probe()
    expect(textOf(await client.callTool({ name: 'ask_model' }))).toBe('no sampling')
  })

  it('relays elicitation requests to the client and the answers back', async () => {
    const { client } = await probe({ capabilities: { elicitation: { form: {} } } })
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { name: 'Ada' },
    }))
    expect(textOf(await client.callTool({ name: 'ask_user' }))).toBe('user accept: {"name":"Ada"}')
  })

  it('relays roots/list and roots list_changed', async () => {
    const { client, observed } = await probe({ capabilities: { roots: { listChanged: true } } })
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///home/ada/project', name: 'project' }],
    }))
    expect(textOf(await client.callTool({ name: 'list_roots' }))).toBe('file:///home/ada/project')
    await client.sendRootsListChanged()
    await observed.rootsChanged.promise
  })

  it('relays tools list_changed and judges the new tool by its server annotations', async () => {
    const { client } = await probe()
    let changed = 0
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++)
    await client.callTool({ name: 'count' }) // fills the annotation cache
    await client.callTool({ name: 'add_tool' })
    await expect.poll(() => changed).toBeGreaterThan(0)
    expect(textOf(await client.callTool({ name: 'added' }))).toBe('added works')
  })

  it('relays completion requests', async () => {
    const { client } = await probe()
    const result = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'planet', value: 'm' },
    })
    expect(result.completion.values).toEqual(['mars', 'mercury'])
  })

  it('refuses completions for a prompt the caller may not list', async () => {
    const { client } = await probe({}, { user_id: 'eve', roles: ['guest'] })
    const error = await rejection(
      client.complete({
        ref: { type: 'ref/prompt', name: 'greet' },
        argument: { name: 'planet', value: 'm' },
      }),
    )
    expect(error.data).toMatchObject({ code: 'ERR_POLICY_DENIED' })
  })

  it('takes tool annotations from the server, never from the client', async () => {
    const { client } = await probe()
    const forged = await client.request(
      {
        method: 'tools/call',
        params: {
          name: 'delete_everything',
          arguments: {},
          annotations: { readOnlyHint: true },
          _meta: { annotations: { readOnlyHint: true } },
        },
      } as never,
      (await import('@modelcontextprotocol/sdk/types.js')).CallToolResultSchema,
    )
    expect(forged.isError).toBe(true)
    expect(textOf(forged)).toContain('mcp-warden denied this call')
  })

  it('relays upstream errors with their code and message', async () => {
    const { client } = await probe()
    const error = await rejection(client.readResource({ uri: 'probe://missing' }))
    const direct = new Client({ name: 'direct', version: '1' })
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await createRelayServer().server.connect(serverSide)
    await direct.connect(clientSide)
    const expected = await rejection(direct.readResource({ uri: 'probe://missing' }))
    await direct.close()
    expect(error.code).toBe(-32602)
    expect({ code: error.code, message: error.message, data: error.data }).toEqual({
      code: expected.code,
      message: expected.message,
      data: expected.data,
    })
  })

  it('hands the wrapped handler the caller authInfo, principal and decision', async () => {
    const { client } = await probe(
      {},
      (extra) => ({ user_id: extra.authInfo?.clientId ?? 'nobody', roles: ['tester'] }),
      { token: 'secret-token', clientId: 'tess', scopes: ['weather'] },
    )
    const result = await client.callTool({
      name: 'whoami',
      _meta: { 'mcp-warden/principal': { user_id: 'forged', roles: ['admin'] } },
    })
    const seen = JSON.parse(textOf(result))
    expect(seen.authInfo).toMatchObject({ clientId: 'tess', scopes: ['weather'] })
    expect(seen.meta['mcp-warden/principal']).toEqual({ user_id: 'tess', roles: ['tester'] })
    expect(seen.meta['mcp-warden/decision']).toMatchObject({
      effect: 'allow',
      rule: 'read_only_calls',
      decision_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
  })
})
