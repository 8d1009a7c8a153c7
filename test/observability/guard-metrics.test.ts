import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { createWardenMetrics } from '../../src/observability/warden-metrics.js'
import { connectGuarded, type Connected } from '../mcp/harness.js'
import { sample } from './metrics-text.js'

const open: Connected[] = []
afterEach(async () => {
  for (const connected of open.splice(0)) await connected.guarded.close()
})

function weather(): McpServer {
  const server = new McpServer({ name: 'weather', version: '1.0.0' })
  server.registerTool('forecast', { inputSchema: { city: z.string() } }, async ({ city }) => ({
    content: [{ type: 'text', text: `sunny in ${city}` }],
  }))
  server.registerTool('delete_city', { inputSchema: { city: z.string() } }, async () => ({
    content: [{ type: 'text', text: 'gone' }],
  }))
  return server
}

describe('guard() with metrics', () => {
  it('counts decisions, sessions and upstream latency in the registry it is given', async () => {
    const registry = new Registry()
    const connected = await connectGuarded(weather(), {
      policies: [
        {
          name: 'weather',
          rules: [{ name: 'forecasts', effect: 'allow', tools: { names: ['forecast'] } }],
        },
      ],
      principal: { user_id: 'ann', roles: [] },
      metrics: createWardenMetrics(registry),
    })
    open.push(connected)
    await connected.client.callTool({ name: 'forecast', arguments: { city: 'Oslo' } })
    const denied = await connected.client.callTool({
      name: 'delete_city',
      arguments: { city: 'Oslo' },
    })
    expect(denied.isError).toBe(true)

    const text = await registry.metrics()
    const calls = { action: 'call', tool: 'forecast' }
    expect(sample(text, 'warden_decisions_total', { ...calls, effect: 'allow' })).toBe(1)
    expect(
      sample(text, 'warden_decisions_total', {
        action: 'call',
        tool: 'delete_city',
        effect: 'deny',
      }),
    ).toBe(1)
    expect(sample(text, 'warden_active_sessions')).toBe(1)
    expect(
      sample(text, 'warden_upstream_request_duration_seconds_count', { method: 'tools/call' }),
    ).toBe(1)
    // Only warden's own metrics: the application's registry keeps its own process metrics.
    expect(text).not.toMatch(/process_cpu_seconds_total/)
  })
})
