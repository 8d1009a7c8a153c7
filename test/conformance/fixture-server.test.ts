import { request } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConformanceHttp, type ConformanceHttpServer } from '../fixtures/conformance/http.js'

let fixture: ConformanceHttpServer

beforeAll(async () => {
  fixture = await serveConformanceHttp(0)
})

afterAll(async () => {
  await fixture.close()
})

async function connect(): Promise<Client> {
  const client = new Client(
    { name: 'fixture-test', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: {} } },
  )
  await client.connect(new StreamableHTTPClientTransport(new URL(fixture.url)))
  return client
}

/** POSTs an initialize with the given Host header: fetch cannot set Host. */
function initializeWithHost(host: string): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'rebinding', version: '1.0.0' },
    },
  })
  const url = new URL(fixture.url)
  return new Promise((resolve, reject) => {
    const post = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          host,
          origin: `http://${host}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      },
    )
    post.once('error', reject)
    post.end(body)
  })
}

describe('the conformance fixture server', () => {
  it('lists every tool the suite calls, each with a description and an input schema', async () => {
    const client = await connect()
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining([
        'test_simple_text',
        'test_image_content',
        'test_audio_content',
        'test_embedded_resource',
        'test_multiple_content_types',
        'test_tool_with_logging',
        'test_tool_with_progress',
        'test_error_handling',
        'test_sampling',
        'test_elicitation',
        'test_elicitation_sep1034_defaults',
        'test_elicitation_sep1330_enums',
        'json_schema_2020_12_tool',
        'test_reconnection',
      ]),
    )
    expect(tools.every((tool) => tool.description && tool.inputSchema.type === 'object')).toBe(true)
    await client.close()
  })

  it('keeps the JSON Schema 2020-12 keywords of an input schema', async () => {
    const client = await connect()
    const { tools } = await client.listTools()
    const schema = tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { address: { type: 'object' } },
      additionalProperties: false,
    })
    await client.close()
  })

  it('reports progress 0, 50 and 100 under the caller token', async () => {
    const client = await connect()
    const seen: Progress[] = []
    await client.request(
      { method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {} } },
      CallToolResultSchema,
      { onprogress: (progress) => seen.push(progress) },
    )
    expect(seen.map((progress) => progress.progress)).toEqual([0, 50, 100])
    await client.close()
  })

  it('relays a sampling answer from the client into the tool result', async () => {
    const client = await connect()
    client.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: 'assistant',
      content: { type: 'text', text: 'four' },
      model: 'test-model',
    }))
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: '2+2?' } })
    expect(result.content).toEqual([{ type: 'text', text: 'LLM response: four' }])
    await client.close()
  })

  it('refuses a request whose Host is not localhost, and accepts one whose Host is', async () => {
    const port = new URL(fixture.url).port
    expect(await initializeWithHost('evil.example.com')).toBe(403)
    expect(await initializeWithHost(`127.0.0.1:${port}`)).toBe(200)
  })
})
