import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import * as z from 'zod'

/** The planetary weather service from mcp-auth-guard's README, as a plain MCP server. */
export function createWeatherServer(): McpServer {
  const server = new McpServer({ name: 'weather', version: '1.0.0' })
  const readOnly = { readOnlyHint: true, openWorldHint: false }

  for (const [planet, forecast] of [
    ['mars', 'Dusty, -63°C, winds 20 km/h'],
    ['venus', 'Sulphuric clouds, 464°C'],
    ['saturn', 'Ammonia storms, -178°C, strong radiation'],
  ] as const) {
    server.registerTool(
      `get_${planet}_weather`,
      { description: `Current weather on ${planet}`, annotations: readOnly },
      async () => ({ content: [{ type: 'text', text: `${planet}: ${forecast}` }] }),
    )
  }

  server.registerTool(
    'get_jupiter_weather',
    {
      description: 'Current weather on Jupiter, by day or by night',
      inputSchema: { time: z.enum(['day', 'night']) },
      annotations: readOnly,
    },
    async ({ time }) => ({
      content: [{ type: 'text', text: `jupiter (${time}): Great Red Spot active, -110°C` }],
    }),
  )

  server.registerResource(
    'mars_today',
    'weather://mars/today',
    { description: "Today's report for Mars", mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'Mars today: clear skies, -60°C' }] }),
  )

  server.registerPrompt(
    'admin_report',
    { description: 'Summarise every planet for the operations team' },
    async () => ({
      messages: [
        { role: 'user', content: { type: 'text', text: 'Summarise the weather on every planet.' } },
      ],
    }),
  )

  return server
}
