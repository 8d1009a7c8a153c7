import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWeatherHttp } from '../../examples/weather/http.js'
import { textOf } from './harness.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// Inside the repository, so the compiled example resolves node_modules.
const OUT = join(ROOT, 'node_modules', '.cache', 'mcp-warden-weather-example')

describe('examples/weather/http.ts', () => {
  let server: Awaited<ReturnType<typeof startWeatherHttp>>
  beforeAll(async () => {
    server = await startWeatherHttp(0, join(ROOT, 'policies', 'weather.yaml'))
  })
  afterAll(() => server.close())

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'http-test', version: '1' })
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    })
    await client.connect(transport)
    return client
  }

  it('serves each token its own view over Streamable HTTP', async () => {
    const user = await connect('user-token')
    const intern = await connect('intern-token')
    expect((await user.listTools()).tools).toHaveLength(3)
    expect((await intern.listTools()).tools.map((t) => t.name)).toEqual(['get_jupiter_weather'])
    const saturn = await user.callTool({ name: 'get_saturn_weather', arguments: {} })
    expect(saturn.isError).toBe(true)
    const mars = await user.callTool({ name: 'get_mars_weather', arguments: {} })
    expect(textOf(mars)).toContain('mars:')
    await user.close()
    await intern.close()
  })

  it('answers 401 without a token', async () => {
    const response = await fetch(server.url, { method: 'POST', body: '{}' })
    expect(response.status).toBe(401)
  })
})

describe('examples/weather/stdio.ts', () => {
  beforeAll(async () => {
    await rm(OUT, { recursive: true, force: true })
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const args = [tsc, 'examples/weather/stdio.ts', '--outDir', OUT, '--rootDir', '.']
    args.push('--module', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node')
    // Emits even when another module is mid-edit elsewhere; only the output matters here.
    await promisify(execFile)(process.execPath, args, { cwd: ROOT }).catch(() => undefined)
  })

  it('runs guarded over stdio', async () => {
    const entry = join(OUT, 'examples', 'weather', 'stdio.js')
    expect(existsSync(entry)).toBe(true)
    const client = new Client({ name: 'stdio-test', version: '1' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [entry, 'policies/weather.yaml'],
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', WEATHER_ROLE: 'intern', USER: 'ian' },
      }),
    )
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['get_jupiter_weather'])
    const night = await client.callTool({
      name: 'get_jupiter_weather',
      arguments: { time: 'night' },
    })
    expect(night.isError).toBeFalsy()
    await client.close()
  })
})
