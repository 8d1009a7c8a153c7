import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createWeatherServer } from '../../examples/weather/server.js'
import type { Principal } from '../../src/policy/request.js'
import { guard, type GuardOptions } from '../../src/mcp/guard.js'
import { memoryAuditLog } from '../../src/audit/memory-audit-log.js'
import { connectGuarded, rejection, textOf, type Connected } from './harness.js'

const WEATHER = fileURLToPath(new URL('../../policies/weather.yaml', import.meta.url))
const open: Connected[] = []

async function as(principal: Principal, options: Partial<GuardOptions> = {}): Promise<Connected> {
  const connected = await connectGuarded(createWeatherServer(), {
    policies: WEATHER,
    principal,
    ...options,
  })
  open.push(connected)
  return connected
}

const admin = { user_id: 'ada', roles: ['admin'] }
const user = { user_id: 'bob', roles: ['user'] }
const intern = { user_id: 'ian', roles: ['intern'] }
const guest = { user_id: 'gus', roles: ['guest'] }

afterEach(async () => {
  for (const connected of open.splice(0)) await connected.guarded.close()
})

async function toolNames(principal: Principal): Promise<string[]> {
  const { client } = await as(principal)
  return (await client.listTools()).tools.map((t) => t.name).sort()
}

describe('guard() in front of the weather service', () => {
  it('shows admins every tool', async () => {
    expect(await toolNames(admin)).toEqual([
      'get_jupiter_weather',
      'get_mars_weather',
      'get_saturn_weather',
      'get_venus_weather',
    ])
  })

  it('shows users mars, venus and jupiter but never saturn', async () => {
    expect(await toolNames(user)).toEqual([
      'get_jupiter_weather',
      'get_mars_weather',
      'get_venus_weather',
    ])
  })

  it('shows interns jupiter only', async () => {
    expect(await toolNames(intern)).toEqual(['get_jupiter_weather'])
  })

  it('lists resources and prompts by their own rules', async () => {
    const asUser = (await as(user)).client
    expect((await asUser.listResources()).resources.map((r) => r.uri)).toEqual([
      'weather://mars/today',
    ])
    expect((await asUser.listPrompts()).prompts).toEqual([])
    const asAdmin = (await as(admin)).client
    expect((await asAdmin.listPrompts()).prompts.map((p) => p.name)).toEqual(['admin_report'])
  })

  it('returns the real result of an allowed call', async () => {
    const { client } = await as(user)
    const result = await client.callTool({ name: 'get_mars_weather', arguments: {} })
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('mars: Dusty, -63°C, winds 20 km/h')
  })

  it('answers a denied call with a tool error that has a decision id and no rule name', async () => {
    const { client } = await as(user)
    const result = await client.callTool({ name: 'get_saturn_weather', arguments: {} })
    expect(result.isError).toBe(true)
    const text = textOf(result)
    expect(text).toMatch(/^mcp-warden denied this call: .* \(decision [0-9a-f-]{36}\)$/)
    expect(text).not.toContain('block_saturn_for_safety')
    expect(text).not.toContain('radiation')
  })

  it('names the rule when exposeRuleNames is set', async () => {
    const { client } = await as(user, { exposeRuleNames: true })
    const result = await client.callTool({ name: 'get_saturn_weather', arguments: {} })
    expect(textOf(result)).toContain('block_saturn_for_safety')
  })

  it('judges arguments: interns may ask about jupiter at night only', async () => {
    const { client } = await as(intern)
    const night = await client.callTool({
      name: 'get_jupiter_weather',
      arguments: { time: 'night' },
    })
    expect(night.isError).toBeFalsy()
    const day = await client.callTool({ name: 'get_jupiter_weather', arguments: { time: 'day' } })
    expect(day.isError).toBe(true)
  })

  it('refuses a denied resource read with JSON-RPC error -32003', async () => {
    const { client } = await as(guest)
    const error = await rejection(client.readResource({ uri: 'weather://mars/today' }))
    expect(error.code).toBe(-32003)
    expect(error.data).toMatchObject({ code: 'ERR_POLICY_DENIED' })
    expect((error.data as { decision_id: string }).decision_id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('reads an allowed resource', async () => {
    const { client } = await as(intern)
    const result = await client.readResource({ uri: 'weather://mars/today' })
    expect(result.contents[0]).toMatchObject({ text: 'Mars today: clear skies, -60°C' })
  })

  it('refuses a denied prompt with JSON-RPC error -32003 and gives admins the prompt', async () => {
    const error = await rejection((await as(user)).client.getPrompt({ name: 'admin_report' }))
    expect(error.code).toBe(-32003)
    expect(error.data).toMatchObject({ code: 'ERR_POLICY_DENIED' })
    const prompt = await (await as(admin)).client.getPrompt({ name: 'admin_report' })
    expect(prompt.messages).toHaveLength(1)
  })

  it('refuses a subscription to a resource the principal may not read', async () => {
    const { client } = await as(guest)
    const error = await rejection(client.subscribeResource({ uri: 'weather://mars/today' }))
    expect(error.code).toBe(-32003)
  })

  it('turns an escalation into a denial saying approval is required', async () => {
    const escalating = [
      {
        name: 'approvals',
        rules: [
          { name: 'ask', effect: 'escalate' as const, tools: { names: ['get_mars_weather'] } },
        ],
      },
    ]
    const { client } = await as(user, { policies: escalating })
    const result = await client.callTool({ name: 'get_mars_weather', arguments: {} })
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('requires a human approval')
  })

  it('refuses a method it does not know, unless allowed', async () => {
    const { client } = await as(admin)
    const error = await rejection(
      client.request({ method: 'weather/secrets' } as never, {} as never),
    )
    expect(error.code).toBe(-32601)
    expect(error.data).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' })

    const allowed = (await as(admin, { allowMethods: ['weather/secrets'] })).client
    const relayed = await rejection(
      allowed.request({ method: 'weather/secrets' } as never, {} as never),
    )
    // The weather server itself does not know it: its own MethodNotFound comes back.
    expect(relayed.code).toBe(-32601)
    expect(relayed.data).toBeUndefined()
  })

  it('relays an unknown method that a policy allows explicitly', async () => {
    const policies = [
      {
        name: 'extensions',
        allow_methods: ['weather/secrets'],
        rules: [{ name: 'all', effect: 'allow' as const }],
      },
    ]
    const { client } = await as(admin, { policies })
    const relayed = await rejection(
      client.request({ method: 'weather/secrets' } as never, {} as never),
    )
    expect(relayed.data).toBeUndefined()
    const other = await rejection(client.request({ method: 'weather/other' } as never, {} as never))
    expect(other.data).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' })
  })

  it('refuses a request whose principal differs from the one that opened the session', async () => {
    let current: Principal = user
    const { client } = await as(user, { principal: () => current })
    await client.listTools()
    current = { user_id: 'mallory', roles: ['admin'] }
    const error = await rejection(client.listTools())
    expect(error.code).toBe(-32003)
    expect(error.data).toMatchObject({ code: 'ERR_SESSION_IDENTITY_CHANGED' })
  })

  it('audits every decision in the hash-chained log', async () => {
    const audit = memoryAuditLog()
    const { client } = await as(intern, { audit })
    await client.listTools()
    await client.callTool({ name: 'get_jupiter_weather', arguments: { time: 'night' } })
    await client.callTool({ name: 'get_saturn_weather', arguments: {} })
    expect(audit.records).toHaveLength(3)
    expect(audit.records[0]).toMatchObject({
      method: 'tools/list',
      detail: { shown: 1, hidden: ['get_mars_weather', 'get_venus_weather', 'get_saturn_weather'] },
    })
    expect(audit.records[1]).toMatchObject({
      method: 'tools/call',
      effect: 'allow',
      rule: 'intern_jupiter_night_only',
      identity: { user_id: 'ian', roles: ['intern'] },
      target: { tool: 'get_jupiter_weather' },
      args_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(audit.records[2]).toMatchObject({ effect: 'deny', rule: 'block_saturn_for_safety' })
  })

  it('puts the audited decision id in the denial', async () => {
    const audit = memoryAuditLog()
    const { client } = await as(user, { audit })
    const result = await client.callTool({ name: 'get_saturn_weather', arguments: {} })
    expect(textOf(result)).toContain(`(decision ${audit.records[0]!.decision_id})`)
  })

  it('refuses a call whose decision cannot be audited', async () => {
    const audit = memoryAuditLog()
    audit.setFailing(true)
    const { client } = await as(admin, { audit })
    const error = await rejection(client.callTool({ name: 'get_mars_weather', arguments: {} }))
    expect(error.code).toBe(-32603)
    expect(error.data).toMatchObject({ code: 'ERR_AUDIT_WRITE_FAILED' })
  })

  it('refuses requests before initialize', async () => {
    const guarded = await guard(createWeatherServer(), { policies: WEATHER, principal: admin })
    const [raw, guardSide] = InMemoryTransport.createLinkedPair()
    const replies: JSONRPCMessage[] = []
    raw.onmessage = (message) => void replies.push(message)
    await guarded.connect(guardSide)
    await raw.start()
    await raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })
    await expect.poll(() => replies.length).toBe(1)
    expect(replies[0]).toMatchObject({ id: 1, error: { code: -32600 } })
    await guarded.close()
  })

  it('serves one session at a time from a server instance, one per session from a factory', async () => {
    const { guarded } = await as(user)
    const [clientSide, guardSide] = InMemoryTransport.createLinkedPair()
    await guarded.connect(guardSide)
    const second = new Client({ name: 'second', version: '1' })
    const error = await rejection(second.connect(clientSide))
    expect(error.data).toMatchObject({ code: 'ERR_GUARD_ALREADY_CONNECTED' })

    const perSession = await connectGuarded(createWeatherServer, {
      policies: WEATHER,
      principal: user,
    })
    open.push(perSession)
    const [otherClient, otherGuard] = InMemoryTransport.createLinkedPair()
    await perSession.guarded.connect(otherGuard)
    const other = new Client({ name: 'other', version: '1' })
    await other.connect(otherClient)
    expect((await other.listTools()).tools).toHaveLength(3)
  })

  it('fails at start-up on a policy that does not load', async () => {
    await expect(
      guard(createWeatherServer(), { policies: '/nonexistent/policies', principal: admin }),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_NOT_FOUND' })
  })
})
