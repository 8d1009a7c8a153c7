import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { textOf } from '../harness.js'
import { FIXTURE, httpClient, POLICY, ROOT, tempDir } from './proxy-harness.js'

const run = promisify(execFile)
// Inside the repository, so the compiled CLI resolves node_modules.
const OUT = join(ROOT, 'node_modules', '.cache', 'mcp-warden-proxy-cli')
const MAIN = join(OUT, 'cli', 'main.js')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const UPSTREAM = `"${process.execPath}" "${FIXTURE}"`

let dir: string
let policy: string
const children: ChildProcess[] = []

beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true })
  // Emits even when another module is mid-edit elsewhere; only the output matters here.
  const build = ['-p', 'tsconfig.build.json', '--outDir', OUT]
  await run(process.execPath, [TSC, ...build], { cwd: ROOT }).catch(() => undefined)
  await run(process.execPath, [TSC, '-p', 'tsconfig.examples.json'], { cwd: ROOT }).catch(
    () => undefined,
  )
  dir = await tempDir()
  policy = join(dir, 'policy.yaml')
  await writeFile(policy, POLICY)
}, 120_000)

afterAll(() => {
  for (const child of children) child.kill()
})

/** Runs the CLI to completion: exit code and stderr. */
async function warden(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<{ code: number; stderr: string }> {
  const result = await run(process.execPath, [MAIN, ...args], { cwd: ROOT, ...options }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  )
  return result
}

/** Starts the CLI as a long-running HTTP proxy and resolves once it listens. */
async function serve(args: string[], ready = 'listening on'): Promise<{ stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'proxy', ...args], { cwd: ROOT })
  children.push(child)
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes(ready)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)))
  })
  return { stderr: () => stderr }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('warden proxy (the command)', () => {
  it('is built for these tests', () => {
    expect(existsSync(MAIN)).toBe(true)
  })

  it('serves stdio as the --as principal', async () => {
    const client = new Client({ name: 'stdio-test', version: '1' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [MAIN, 'proxy', '--upstream', UPSTREAM, '--listen', 'stdio'],
        env: { PATH: process.env.PATH ?? '', WARDEN_POLICIES: policy, WARDEN_AS: 'bob:user' },
        cwd: ROOT,
        stderr: 'pipe',
      }),
    )
    const names = (await client.listTools()).tools.map((t) => t.name)
    expect(names).toEqual(['echo', 'pid', 'read_notes', 'crash'])
    expect((await client.callTool({ name: 'delete_notes', arguments: {} })).isError).toBe(true)
    await client.close()
  })

  it('answers a batch line on stdio with an error and never relays it', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, 'proxy', '--upstream', UPSTREAM, '--listen', 'stdio', '--policies', policy],
      { cwd: ROOT, env: { ...process.env, WARDEN_AS: 'bob:user' } },
    )
    children.push(child)
    const line = await new Promise<string>((resolve) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0]!)
      })
      child.stdin.write('[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]\n')
    })
    const answer = JSON.parse(line) as { id: null; error: { code: number; data: { code: string } } }
    expect(answer.error.code).toBe(-32600)
    expect(answer.error.data.code).toBe('ERR_BATCH_NOT_SUPPORTED')
    child.stdin.end()
  })

  it('runs in the shape the conformance runner uses (--allow-anonymous)', async () => {
    const anonymous = join(dir, 'anonymous.yaml')
    await writeFile(
      anonymous,
      'name: anon\nrules:\n  - { name: echo, effect: allow, tools: { names: [echo] } }\n',
    )
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/mcp`
    await serve([
      '--upstream',
      UPSTREAM,
      '--listen',
      url,
      '--policies',
      anonymous,
      '--allow-anonymous',
    ])
    const client = await httpClient(url, {})
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo'])
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'ok' } }))).toBe('ok')
    await client.close()
  })

  it('refuses to start an HTTP listener with no identity and no --allow-anonymous (exit 2)', async () => {
    const result = await warden(['proxy', '--upstream', UPSTREAM, '--policies', policy])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/identity: an HTTP listener needs an identity provider/)
  })

  it('stops at start-up on an invalid policy, listing every error (exit 2)', async () => {
    const broken = join(dir, 'broken.yaml')
    await writeFile(
      broken,
      'name: broken\nrules:\n  - { name: a, effect: maybe }\n  - { name: b, effect: allow, colour: red }\n',
    )
    const result = await warden([
      'proxy',
      '--upstream',
      UPSTREAM,
      '--policies',
      broken,
      '--allow-anonymous',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/broken\.yaml:3:\d+ rules\[0\]\.effect/)
    expect(result.stderr).toMatch(/broken\.yaml:4:\d+ rules\[1\]\.colour: unknown key/)
  })

  it('stops at start-up on an invalid config, listing every error with its position (exit 2)', async () => {
    const config = join(dir, 'warden.yaml')
    await writeFile(
      config,
      [
        'listen: { transport: http, port: 99999 }',
        'upstreams:',
        '  docs: { url: "https://docs.example/mcp", headers: { Authorization: "vault:docs" } }',
        `policies: ${policy}`,
        'colour: red',
        '',
      ].join('\n'),
    )
    const result = await warden(['proxy', '--config', config])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/warden\.yaml:1:\d+ listen\.port/)
    expect(result.stderr).toMatch(/warden\.yaml:5:1 colour: unknown key/)
  })

  it('stops at start-up when vault: headers have no vault key (exit 2)', async () => {
    const config = join(dir, 'vault.yaml')
    await writeFile(
      config,
      [
        'upstreams:',
        '  docs: { url: "https://docs.example/mcp", headers: { Authorization: "vault:docs" } }',
        `policies: ${policy}`,
        'allow_anonymous: true',
        '',
      ].join('\n'),
    )
    // The working directory holds no .warden/vault.key; a proxy that started anyway is stopped.
    const result = await warden(['proxy', '--config', config], {
      cwd: dir,
      env: { ...process.env, WARDEN_VAULT_KEY: '' },
      timeout: 15_000,
    })
    expect(result.stderr).toMatch(/upstreams docs: vault:NAME headers need the credential vault/)
    expect(result.stderr).toMatch(/ERR_VAULT_NOT_CONFIGURED/)
    expect(result.code).toBe(2)
    expect(existsSync(join(dir, '.warden', 'vault.key'))).toBe(false)
  })

  it('runs the npm start example and prints demo keys', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/mcp`
    const audit = join(dir, 'example-audit.jsonl')
    const proxy = await serve(
      ['--config', 'examples/proxy/warden.yaml', '--listen', url, '--audit-file', audit],
      'Try it:',
    )
    const keys = Object.fromEntries(
      [...proxy.stderr().matchAll(/^\s+(\w+)\s+(wk_\S+)/gm)].map((m) => [m[1], m[2]]),
    )
    expect(Object.keys(keys)).toEqual(['ada', 'bob', 'ian'])
    const intern = await httpClient(url, { 'x-api-key': keys.ian! })
    expect((await intern.listTools()).tools.map((t) => t.name)).toEqual(['get_jupiter_weather'])
    const night = await intern.callTool({
      name: 'get_jupiter_weather',
      arguments: { time: 'night' },
    })
    expect(night.isError).toBeFalsy()
    await intern.close()
  })
})
