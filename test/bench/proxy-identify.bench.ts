import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bench, describe } from 'vitest'
import { generateApiKey } from '../../src/identity/api-key.js'
import { writeApiKeysFile } from '../../src/identity/api-key-file.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { flagOverrides, type ProxyFlags } from '../../src/mcp/proxy/proxy-flags.js'
import { createProxyIdentity, type ProxyIdentity } from '../../src/mcp/proxy/proxy-identity.js'

/**
 * The proxy's per-request identity step, as `npm run bench:proxy` configures it: the
 * authorizing target (API key from a keys file) beside its allow-all target (anonymous), which
 * is the baseline. Two modes: a hot loop (64 requests per sample), and one request per event-loop
 * turn after work that evicts the caches, closer to what a proxy serving traffic pays. The table
 * printed at the end is per request.
 */
const BATCH = 64
const OPTIONS = { time: 1_000, warmupTime: 200 }

const dir = await mkdtemp(join(tmpdir(), 'warden-bench-identify-'))
const generated = generateApiKey()
await writeApiKeysFile(join(dir, 'keys.yaml'), [
  {
    prefix: generated.prefix,
    hash: generated.hash,
    user_id: 'bench-user',
    roles: ['bench'],
    created_at: new Date().toISOString(),
  },
])

async function proxyIdentity(flags: ProxyFlags): Promise<ProxyIdentity> {
  const base = { upstream: 'node upstream.js', policies: ['policy.yaml'] }
  const overrides = flagOverrides({ ...base, ...flags }, dir)
  return createProxyIdentity(await loadProxyConfig({ overrides, cwd: dir }))
}

/** The headers node:http hands the listener for one of the bench client's tools/call POSTs. */
function benchRequest(extra: Record<string, string>): IncomingMessage {
  const headers = {
    host: '127.0.0.1:8787',
    connection: 'keep-alive',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': '0b6f3c1e-5d0e-4b8e-9a43-2f4b8f0c6d11',
    'mcp-protocol-version': '2025-06-18',
    'accept-language': '*',
    'sec-fetch-mode': 'cors',
    'user-agent': 'node',
    'accept-encoding': 'gzip, deflate',
    'content-length': '120',
    ...extra,
  }
  return { headers, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage
}

const targets = [
  {
    name: 'allow-all (anonymous)',
    identity: await proxyIdentity({ allowAnonymous: true }),
    request: benchRequest({}),
  },
  {
    name: 'API key (keys file)',
    identity: await proxyIdentity({ keysFile: 'keys.yaml' }),
    request: benchRequest({ 'x-api-key': generated.key }),
  },
  {
    name: 'API key (Authorization: Bearer)',
    identity: await proxyIdentity({ keysFile: 'keys.yaml' }),
    request: benchRequest({ authorization: `Bearer ${generated.key}` }),
  },
]
for (const target of targets) {
  const principal = await target.identity.identify(target.request)
  const expected = target.name.startsWith('API key') ? 'bench-user' : undefined
  if (principal.user_id !== expected) throw new Error(`${target.name}: wrong principal`)
}

type Mode = 'hot' | 'cold'
const MODES: Record<Mode, string> = {
  hot: 'hot loop (64 per sample)',
  cold: 'one per event-loop turn, other work between',
}
const perRequestNs = new Map<string, number>()
type Hook = (task: unknown, mode: 'warmup' | 'run') => void

/** What a busy proxy does between two requests of a session, roughly: evicts our code and data from the caches. */
const evictable = new Uint8Array(4 << 20)
const otherDocument = {
  items: Array.from({ length: 200 }, (_, i) => ({ i, text: 'x'.repeat(20) })),
}
function otherWork(): void {
  for (let i = 0; i < evictable.length; i += 64) evictable[i]! ^= 1
  JSON.parse(JSON.stringify(otherDocument))
}

for (const mode of Object.keys(MODES) as Mode[]) {
  describe(`proxy identify, per request, ${MODES[mode]}`, () => {
    for (const { name, identity, request } of targets) {
      let samples: number[] = []
      const setup: Hook = (_task, phase) => {
        if (phase === 'run') samples = []
      }
      const teardown: Hook = (_task, phase) => {
        if (phase !== 'run') return
        perRequestNs.set(`${mode}/${name}`, median(samples))
        if (perRequestNs.size < targets.length * 2) return
        console.log(table())
        // Synchronously: the bench worker may be stopped as soon as the last task ends.
        rmSync(dir, { recursive: true, force: true })
      }
      const hot = async (): Promise<void> => {
        const start = process.hrtime.bigint()
        for (let i = 0; i < BATCH; i++) await identity.identify(request)
        samples.push(Number(process.hrtime.bigint() - start) / BATCH)
      }
      const cold = async (): Promise<void> => {
        otherWork()
        await new Promise((resolve) => setImmediate(resolve))
        const start = process.hrtime.bigint()
        await identity.identify(request)
        samples.push(Number(process.hrtime.bigint() - start))
      }
      bench(name, mode === 'hot' ? hot : cold, { ...OPTIONS, setup, teardown })
    }
  })
}

function table(): string {
  const us = (ns: number): string => (ns / 1000).toFixed(2)
  const rows = targets.map(({ name }, index) => {
    const cells = (Object.keys(MODES) as Mode[]).flatMap((mode) => {
      const ns = perRequestNs.get(`${mode}/${name}`)!
      const baseline = perRequestNs.get(`${mode}/${targets[0]!.name}`)!
      return [us(ns), index === 0 ? 'baseline' : `+${us(ns - baseline)}`]
    })
    return `| ${name} | ${cells.join(' | ')} |`
  })
  return [
    '| identify (µs per request, median) | hot | over allow-all | cold | over allow-all |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n')
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}
