// `npm run soak -- --minutes 10`: `echo` calls at a fixed rate through the real `warden proxy`
// (HTTP, API keys, the bench's 100-rule policy, an audit file) in front of server-everything,
// for a fixed time. Sessions are retired and reopened every --session-calls calls, so session
// set-up and tear-down (an upstream process each) soak too. Every --report seconds it prints
// the interval's rate, p50/p99, the proxy's RSS (median of 1 s samples) and its live upstream
// processes. At the end: RSS of the last interval against the warm-up's (target: within 15%),
// p99 of the first and last intervals, and the call ledger and audit count of `npm run load`.
// Exit status 1 on a lost, duplicated or misrouted answer, an audit count that differs, or RSS
// growth past 15%.
// Options: --minutes 10 --rate 100 (calls/s) --sessions 4 --session-calls 1000 --warmup 30
// (seconds) --report 30 (seconds).
import console from 'node:console'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { performance } from 'node:perf_hooks'
import { clearInterval, setInterval } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import { countAuditRecords } from './audit-count.mjs'
import { createCallLedger } from './call-ledger.mjs'
import { children, rssMiB, startLoadProxy } from './load-proxy.mjs'
import { openRawSession } from './raw-session.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** RSS at the end may exceed RSS after warm-up by this much (the issue's target). */
const RSS_BUDGET = 0.15
/** Calls in flight beyond this are not issued: the proxy is not keeping up with the rate. */
const MAX_IN_FLIGHT = 256
const TICK_MS = 10

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    sessions: { type: 'string', default: '4' },
    'session-calls': { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '30' },
    report: { type: 'string', default: '30' },
  },
})
const number = (name) => {
  const value = Number(values[name])
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`)
  return value
}
const settings = {
  minutes: number('minutes'),
  rate: number('rate'),
  sessions: Math.round(number('sessions')),
  sessionCalls: Math.round(number('session-calls')),
  warmupSeconds: number('warmup'),
  reportSeconds: number('report'),
}

const dir = await mkdtemp(join(tmpdir(), 'warden-soak-'))
const users = Array.from({ length: settings.sessions }, (_, i) => `soak-${i}`)
const proxy = await startLoadProxy({ root: ROOT, dir, users })
process.on('SIGINT', () => {
  proxy.killGroup('SIGKILL')
  process.exit(130)
})

/**
 * One session slot. After --session-calls calls it opens a new session first and only then
 * retires the old one (once its calls are answered), so no call waits on a session opening.
 */
function createSlot(index) {
  // Staggered, so that the slots do not all reopen (and spawn an upstream) at the same moment.
  const offset = Math.floor((index * settings.sessionCalls) / settings.sessions)
  const slot = { index, used: offset, opened: 0, rotating: false }
  const open = async () => {
    const session = await openRawSession(proxy.url, proxy.keys[index], users[index])
    slot.opened++
    return { session, inFlight: 0 }
  }
  slot.start = async () => {
    slot.current = await open()
  }
  slot.rotate = async () => {
    slot.rotating = true
    try {
      const fresh = await open()
      const old = slot.current
      slot.current = fresh
      slot.used = 0
      while (old.inFlight > 0) await sleep(5)
      await old.session.close()
    } finally {
      slot.rotating = false
    }
  }
  return slot
}

let failed
try {
  const ledger = createCallLedger()
  const slots = users.map((_, i) => createSlot(i))
  await Promise.all(slots.map((slot) => slot.start()))
  let interval = []
  let inFlight = 0
  let skipped = 0
  let next = 0
  const samples = []
  const pending = new Set()

  const fire = () => {
    const slot = slots[next++ % slots.length]
    if (inFlight >= MAX_IN_FLIGHT) return skipped++
    if (++slot.used >= settings.sessionCalls && !slot.rotating) void slot.rotate()
    const lane = slot.current
    inFlight++
    lane.inFlight++
    const call = ledger.issue(slot.index)
    const before = process.hrtime.bigint()
    const done = (async () => {
      try {
        ledger.settle(call, await lane.session.echo(call.id, call.token))
      } catch (error) {
        ledger.settle(call, undefined, error)
      } finally {
        interval.push(Number(process.hrtime.bigint() - before) / 1e6)
        inFlight--
        lane.inFlight--
      }
    })()
    pending.add(done)
    void done.then(() => pending.delete(done))
  }

  const start = performance.now()
  let issued = 0
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * settings.rate) - issued
    for (let i = 0; i < due; i++) fire()
    issued += Math.max(due, 0)
  }, TICK_MS)

  // RSS saws with each garbage collection: sample it every second, report each interval's median.
  let rssSamples = []
  const rssTicker = setInterval(() => rssSamples.push(rssMiB(proxy.pid)), 1_000)
  const median = (list) => Float64Array.from(list).sort()[Math.floor(list.length / 2)]

  const sample = (label) => {
    const latencies = Float64Array.from(interval).sort()
    interval = []
    const rank = (q) =>
      latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]
    const point = {
      label,
      seconds: Math.round((performance.now() - start) / 1000),
      calls: latencies.length,
      rate: latencies.length / settings.reportSeconds,
      p50: rank(0.5),
      p99: rank(0.99),
      rss: median(rssSamples),
      rssMax: Math.max(...rssSamples),
      upstreams: children(proxy.pid).count,
    }
    rssSamples = []
    samples.push(point)
    console.log(
      `${label.padEnd(7)} t=${String(point.seconds).padStart(4)}s  ${point.calls} calls (${point.rate.toFixed(0)}/s)  p50 ${point.p50?.toFixed(2)} ms  p99 ${point.p99?.toFixed(2)} ms  proxy RSS median ${point.rss.toFixed(1)} MiB (max ${point.rssMax.toFixed(1)})  upstreams ${point.upstreams}  in flight ${inFlight}`,
    )
  }

  await sleep(settings.warmupSeconds * 1000)
  sample('warm-up')
  const rssWarm = samples[0].rss
  const intervals = Math.max(
    1,
    Math.round((settings.minutes * 60 - settings.warmupSeconds) / settings.reportSeconds),
  )
  for (let i = 0; i < intervals; i++) {
    await sleep(settings.reportSeconds * 1000)
    sample('soak')
  }
  clearInterval(ticker)
  clearInterval(rssTicker)
  await Promise.all(pending)
  while (slots.some((slot) => slot.rotating)) await sleep(10)
  await Promise.all(slots.map((slot) => slot.current.session.close()))
  const rssEnd = samples.at(-1).rss
  await proxy.stop()

  const audit = await countAuditRecords(ROOT, proxy.auditFile)
  const auditCalls = [...audit.calls.values()].reduce((a, b) => a + b, 0)
  const soaked = samples.slice(1)
  const { counts } = ledger
  const growth = (rssEnd - rssWarm) / rssWarm
  const p99s = soaked.map((s) => s.p99)
  const report = {
    settings,
    calls: counts.sent,
    skipped,
    ok: counts.ok,
    lost: counts.lost,
    duplicated: counts.duplicated,
    misrouted: counts.misrouted,
    auditToolCallRecords: auditCalls,
    auditChainOk: audit.chainOk,
    sessionsOpened: slots.reduce((sum, slot) => sum + slot.opened, 0),
    rssMiB: { afterWarmup: Number(rssWarm.toFixed(1)), end: Number(rssEnd.toFixed(1)) },
    rssGrowth: Number((growth * 100).toFixed(1)),
    p99Ms: {
      first: Number(p99s[0]?.toFixed(2)),
      last: Number(p99s.at(-1)?.toFixed(2)),
      min: Number(Math.min(...p99s).toFixed(2)),
      max: Number(Math.max(...p99s).toFixed(2)),
    },
  }
  console.log(
    [
      `soak: ${settings.minutes} min at ${settings.rate} calls/s, ${settings.sessions} sessions, each reopened every ${settings.sessionCalls} calls (${report.sessionsOpened} sessions opened)`,
      `  answers: ${counts.ok} ok of ${counts.sent}; lost ${counts.lost}, duplicated ${counts.duplicated}, misrouted ${counts.misrouted}; not issued (over ${MAX_IN_FLIGHT} in flight) ${skipped}`,
      `  audit: ${auditCalls} tools/call records for ${counts.sent} calls, chain ${audit.chainOk ? 'verifies' : 'BROKEN'}`,
      `  proxy RSS (median of 1 s samples): ${report.rssMiB.afterWarmup} MiB over the warm-up, ${report.rssMiB.end} MiB over the last interval (${report.rssGrowth >= 0 ? '+' : ''}${report.rssGrowth}%, target within ${RSS_BUDGET * 100}%): ${Math.abs(growth) <= RSS_BUDGET ? 'met' : 'NOT met'}`,
      `  p99 per ${settings.reportSeconds} s after warm-up: first ${report.p99Ms.first} ms, last ${report.p99Ms.last} ms, range ${report.p99Ms.min}–${report.p99Ms.max} ms`,
    ].join('\n'),
  )
  console.log(JSON.stringify(report))
  if (ledger.examples.length > 0) console.error(JSON.stringify(ledger.examples, null, 2))
  failed =
    counts.ok !== counts.sent || auditCalls !== counts.sent || !audit.chainOk || growth > RSS_BUDGET
} catch (error) {
  console.error(error)
  console.error(`--- proxy output ---\n${proxy.log()}`)
  failed = true
} finally {
  await proxy.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
