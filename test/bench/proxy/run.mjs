// `npm run bench:proxy`: the authorizing proxy (API key, 100 rules), the same proxy allowing all
// with no identity, and mcp-proxy, each in front of server-everything over stdio, under 4
// concurrent Streamable HTTP sessions × 500 echo calls. Options (env): BENCH_ROUNDS (5),
// BENCH_SESSIONS (4), BENCH_CALLS (500), BENCH_WARMUP (50), BENCH_OUT (a Markdown file),
// BENCH_CPU_PROF (a directory: every target runs under `node --cpu-prof`), BENCH_MEMORY_KEYS=1
// (adds a diagnostic target: the API-key proxy with its key in memory instead of a keys file).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import console from 'node:console'
import { join, resolve } from 'node:path'
import process from 'node:process'
import { clearTimeout, setTimeout } from 'node:timers'
import { fileURLToPath, URL } from 'node:url'
import { runLoad } from './bench-load.mjs'
import { medianRounds, reportMarkdown, targetChecks } from './bench-report.mjs'
import { benchTargets, killAllTargets, startTarget } from './bench-targets.mjs'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
/** One target's start, load and stop; far above a normal run (a few seconds). */
const TARGET_TIMEOUT_MS = 180_000

const settings = {
  rounds: positive('BENCH_ROUNDS', 5),
  sessions: positive('BENCH_SESSIONS', 4),
  calls: positive('BENCH_CALLS', 500),
  warmup: positive('BENCH_WARMUP', 50),
}

process.on('exit', killAllTargets)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllTargets()
    process.exit(130)
  })
}

const dir = await mkdtemp(join(tmpdir(), 'warden-bench-proxy-'))
try {
  const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined
  const memoryKeys = process.env.BENCH_MEMORY_KEYS === '1'
  const bench = benchTargets({ root: ROOT, dir, cpuProfDir, memoryKeys })
  await bench.prepare()
  const { targets } = bench
  const rounds = []
  for (let round = 0; round < settings.rounds; round++) {
    // Rotate the order so that no target always runs first (cold) or last.
    const order = targets.map((_, i) => targets[(i + round) % targets.length])
    const results = {}
    for (const target of order) {
      results[target.key] = await withTimeout(
        measure(target, round),
        TARGET_TIMEOUT_MS,
        target.name,
      )
      const r = results[target.key]
      console.log(
        `round ${round + 1} ${target.name}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, ` +
          `${r.callsPerSecond.toFixed(0)} calls/s, ${r.cpuUsPerCall.toFixed(0)} µs CPU/call, wrong answers ${r.mismatches + r.warmupMismatches}`,
      )
    }
    rounds.push({ order: order.map((t) => t.key), results })
  }
  const medians = Object.fromEntries(
    targets.map((t) => [t.key, medianRounds(rounds.map((r) => r.results[t.key]))]),
  )
  const checks = targetChecks(rounds)
  const report = reportMarkdown({ targets, rounds, medians, checks, settings })
  console.log(`\n${report}`)
  if (process.env.BENCH_OUT) await writeFile(resolve(process.env.BENCH_OUT), `${report}\n`)
  const wrong = Object.values(medians).reduce((sum, m) => sum + m.mismatches, 0)
  if (wrong > 0) {
    console.error(`\n${wrong} wrong answers: the figures are not valid`)
    process.exitCode = 1
  }
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  killAllTargets()
  await rm(dir, { recursive: true, force: true })
}

async function measure(target, round) {
  const started = await startTarget(target, ROOT)
  try {
    const result = await runLoad({
      url: started.url,
      headers: target.headers(started.log()),
      sessions: settings.sessions,
      calls: settings.calls,
      warmup: settings.warmup,
      round,
      cpuMs: started.cpuMs,
    })
    if (result.firstMismatch) {
      console.error(`${target.name}: first wrong answer ${JSON.stringify(result.firstMismatch)}`)
    }
    return result
  } catch (error) {
    throw new Error(`${target.name}: ${error.message}\n--- its output ---\n${started.log()}`, {
      cause: error,
    })
  } finally {
    await started.stop()
  }
}

function withTimeout(promise, ms, name) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no result within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function positive(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`)
  return value
}
