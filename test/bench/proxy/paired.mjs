// `node test/bench/proxy/paired.mjs` (after `npm run build`): the p50 comparison of
// `npm run bench:proxy` made robust to a busy machine. Both warden targets run at once, each
// with its own sessions; short blocks of calls alternate between them, so a change in
// background load falls on both alike. Options (env): PAIRED_BLOCKS (40), PAIRED_CALLS (calls
// per session per block, 25), BENCH_SESSIONS (4), BENCH_WARMUP (50).
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import console from 'node:console'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'
import { connect, summarize } from './bench-load.mjs'
import { P50_BUDGET_MS } from './bench-report.mjs'
import { benchTargets, killAllTargets, startTarget } from './bench-targets.mjs'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const KEYS = ['warden-auth', 'warden-allow-all']
const settings = {
  blocks: positive('PAIRED_BLOCKS', 40),
  calls: positive('PAIRED_CALLS', 25),
  sessions: positive('BENCH_SESSIONS', 4),
  warmup: positive('BENCH_WARMUP', 50),
}

process.on('exit', killAllTargets)
const dir = await mkdtemp(join(tmpdir(), 'warden-bench-paired-'))
const running = []
try {
  const bench = benchTargets({ root: ROOT, dir })
  await bench.prepare()
  const tag = randomBytes(4).toString('hex')
  const sides = []
  for (const key of KEYS) {
    const target = bench.targets.find((t) => t.key === key)
    const started = await startTarget(target, ROOT)
    running.push(started)
    const headers = target.headers(started.log())
    const clients = await Promise.all(
      Array.from({ length: settings.sessions }, (_, i) => connect(started.url, headers, i)),
    )
    sides.push({ target, started, clients, latencies: [], blockP50: [], wallMs: 0, cpuMs: 0 })
  }
  const block = async (side, label, calls, timed) => {
    const latencies = []
    const cpuBefore = side.started.cpuMs()
    const start = process.hrtime.bigint()
    await Promise.all(
      side.clients.map(async (client, s) => {
        for (let i = 0; i < calls; i++) {
          const message = `${label}-${tag}-s${s}-${i}`
          const before = process.hrtime.bigint()
          const result = await client.callTool({ name: 'echo', arguments: { message } })
          latencies.push(Number(process.hrtime.bigint() - before) / 1e6)
          if (result.isError || result.content?.[0]?.text !== `Echo: ${message}`) {
            throw new Error(`${side.target.name}: wrong answer to ${message}`)
          }
        }
      }),
    )
    if (!timed) return
    side.wallMs += Number(process.hrtime.bigint() - start) / 1e6
    side.cpuMs += side.started.cpuMs() - cpuBefore
    side.latencies.push(...latencies)
    side.blockP50.push(summarize(latencies, 1).p50)
  }
  for (const side of sides) await block(side, 'w', settings.warmup, false)
  for (let b = 0; b < settings.blocks; b++) {
    const order = b % 2 === 0 ? sides : [...sides].reverse()
    for (const side of order) await block(side, `b${b}`, settings.calls, true)
  }
  const rows = sides.map((side) => {
    const figures = summarize(side.latencies, side.wallMs)
    const cpuUs = (side.cpuMs * 1000) / side.latencies.length
    return { side, figures, cpuUs }
  })
  console.log(
    `${settings.sessions} sessions, ${settings.blocks} alternating blocks of ${settings.calls} echo calls per session per target\n`,
  )
  console.log('| target | p50 ms | p99 ms | calls/s | proxy CPU µs/call |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const { side, figures, cpuUs } of rows) {
    console.log(
      `| ${side.target.name} | ${figures.p50.toFixed(3)} | ${figures.p99.toFixed(3)} | ${figures.callsPerSecond.toFixed(0)} | ${cpuUs.toFixed(0)} |`,
    )
  }
  const [auth, allowAll] = rows
  const pooled = auth.figures.p50 - allowAll.figures.p50
  const perBlock = auth.side.blockP50.map((p50, i) => p50 - allowAll.side.blockP50[i])
  const blockMedian = median(perBlock)
  console.log(
    `\np50 (a) − (b): ${signed(pooled)} ms over all calls; median of per-block deltas ${signed(blockMedian)} ms ` +
      `(budget ${P50_BUDGET_MS} ms: ${pooled <= P50_BUDGET_MS && blockMedian <= P50_BUDGET_MS ? 'met' : 'not met'})`,
  )
  console.log(`proxy CPU (a) − (b): ${(auth.cpuUs - allowAll.cpuUs).toFixed(0)} µs per call`)
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  await Promise.allSettled(running.map((started) => started.stop()))
  killAllTargets()
  await rm(dir, { recursive: true, force: true })
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function signed(value) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(3)}`
}

function positive(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`)
  return value
}
