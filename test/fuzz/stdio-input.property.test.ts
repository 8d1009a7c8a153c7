import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { FUZZ_POLICY, inputLine, unallowedAtUpstream } from './json-rpc-arbitraries.js'
import { receivedByUpstream, recordingUpstream } from './upstream-record.js'

/** How long the sentinel call may take before the session counts as dead. */
const SENTINEL_TIMEOUT_MS = 10_000

describe('fuzz: JSON-RPC input on the stdio listener', () => {
  let dir: string
  let recordFile: string
  let proxy: RunningProxy
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const waiting = new Map<string, (message: Record<string, unknown>) => void>()
  let sentinels = 0

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-fuzz-stdio-'))
    recordFile = join(dir, 'received.jsonl')
    await writeFile(join(dir, 'policy.yaml'), FUZZ_POLICY)
    let pending = ''
    stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      let newline: number
      while ((newline = pending.indexOf('\n')) !== -1) {
        const message = JSON.parse(pending.slice(0, newline)) as Record<string, unknown>
        pending = pending.slice(newline + 1)
        if (typeof message.id === 'string') waiting.get(message.id)?.(message)
      }
    })
    const config = await loadProxyConfig({
      overrides: {
        listen: { transport: 'stdio' },
        upstreams: { recording: recordingUpstream(recordFile) },
        policies: join(dir, 'policy.yaml'),
        principal: 'fuzz:fuzzer',
        audit: { file: 'audit.jsonl' },
      },
      cwd: dir,
    })
    proxy = await startProxy(config, { stdin, stdout, log: () => undefined })
    const initialized = await request({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'fuzz', version: '1' },
      },
    })
    expect(initialized.result).toBeDefined()
    stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
  })
  afterAll(async () => {
    stdin.end()
    await proxy?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  function request(message: { id: string } & Record<string, unknown>) {
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(message.id)
        reject(new Error(`no answer to ${message.id}: the session is dead`))
      }, SENTINEL_TIMEOUT_MS)
      waiting.set(message.id, (answer) => {
        clearTimeout(timer)
        waiting.delete(message.id)
        resolve(answer)
      })
      stdin.write(`${JSON.stringify(message)}\n`)
    })
  }

  /** An allowed call after the fuzz input: the session is alive and answers the right call. */
  async function sentinel(): Promise<void> {
    const id = `sentinel-${++sentinels}`
    const answer = await request({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: id } },
    })
    expect(answer.result).toMatchObject({ content: [{ type: 'text', text: id }] })
  }

  it('never ends the session and never relays what the policy did not allow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(inputLine, { minLength: 1, maxLength: 6 }), async (lines) => {
        const before = (await receivedByUpstream(recordFile)).length
        for (const line of lines) stdin.write(`${line}\n`)
        await sentinel()
        const received = (await receivedByUpstream(recordFile)).slice(before)
        expect(unallowedAtUpstream(received)).toEqual([])
      }),
      { numRuns: 150 },
    )
  })
})
