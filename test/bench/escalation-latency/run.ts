// `npm run bench:escalations`: time from the approver's action (the TOTP approve request
// leaving the approver for `warden serve`'s inbox API) to the waiting tools/call's result
// at an MCP client of `warden proxy` (wake-up, claim, the upstream's call, the answer), p50
// and p99 over BENCH_APPROVALS (50) approvals after BENCH_WARMUP (5), median of
// BENCH_ROUNDS (3): one proxy on SQLite (builtin, and http to warden serve), and builtin on
// PostgreSQL with one proxy and with two (the call waiting on B). BENCH_OUT writes the table.
import { cpus } from 'node:os'
import { writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { callTransfer, textOf } from '../../mcp/proxy/escalation-harness.js'
import { postgresReachable } from '../../store/postgres-database.js'
import { postgresProxies, sqliteOneProxy, type EscalationTarget } from './escalation-targets.js'

const settings = {
  rounds: positive('BENCH_ROUNDS', 3),
  approvals: positive('BENCH_APPROVALS', 50),
  warmup: positive('BENCH_WARMUP', 5),
}
/** Long enough for the waiting call to park on its backend after announcing the approval id. */
const PARK_MS = 25

interface Figures {
  p50: number
  p99: number
  max: number
  /** p50 of the approver's own answer. */
  answered: number
}

let serial = 0

/** One call at a time: call, learn the approval id from progress, approve, await the result. */
async function approvals(target: EscalationTarget, count: number) {
  const client = await target.client()
  const latency: number[] = []
  const answered: number[] = []
  for (let i = 0; i < count; i++) {
    serial += 1
    const recipient = `bench-${serial}`
    const call = callTransfer(client, { amount: 500, recipient })
    const act = await target.approver(await call.approvalId)
    await sleep(PARK_MS)
    const started = performance.now()
    const acting = act().then(() => answered.push(performance.now() - started))
    const result = await call.result
    latency.push(performance.now() - started)
    await acting
    if (textOf(result) !== `sent 500 to ${recipient}`) {
      throw new Error(`${target.name}: ${textOf(result)}`)
    }
  }
  return { latency, answered }
}

async function measure(open: () => Promise<EscalationTarget>) {
  const target = await open()
  try {
    await approvals(target, settings.warmup)
    const rounds: Figures[] = []
    for (let round = 1; round <= settings.rounds; round++) {
      const { latency, answered } = await approvals(target, settings.approvals)
      const figures = {
        p50: percentile(latency, 50),
        p99: percentile(latency, 99),
        max: Math.max(...latency),
        answered: percentile(answered, 50),
      }
      rounds.push(figures)
      console.log(
        `${target.name}, round ${round}: p50 ${fmt(figures.p50)} ms, p99 ${fmt(figures.p99)} ms`,
      )
    }
    return { name: target.name, rounds }
  } finally {
    await target.close()
  }
}

try {
  const rows = [await measure(() => sqliteOneProxy('builtin'))]
  rows.push(await measure(() => sqliteOneProxy('http')))
  const notes: string[] = []
  const postgres = await postgresReachable()
  if (postgres === true) {
    rows.push(await measure(() => postgresProxies(1)))
    rows.push(await measure(() => postgresProxies(2)))
  } else if (process.env.CI) {
    throw new Error(`PostgreSQL is not reachable: ${postgres}`)
  } else {
    notes.push(`PostgreSQL rows skipped: ${postgres}`)
  }
  const median = (rounds: Figures[], key: keyof Figures) =>
    fmt(
      percentile(
        rounds.map((r) => r[key]),
        50,
      ),
    )
  const report = [
    '| Set-up (backend · store · proxies) | p50 (ms) | p99 (ms) | max (ms) | approver answered, p50 (ms) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      ({ name, rounds }) =>
        `| ${name} | ${median(rounds, 'p50')} | ${median(rounds, 'p99')} | ` +
        `${median(rounds, 'max')} | ${median(rounds, 'answered')} |`,
    ),
    '',
    `Median of ${settings.rounds} rounds of ${settings.approvals} approvals (after ` +
      `${settings.warmup} warm-up approvals); Node ${process.version}, ` +
      `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ` +
      `${new Date().toISOString().slice(0, 10)}.`,
    ...notes,
  ].join('\n')
  console.log(`\n${report}`)
  if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, `${report}\n`)
} catch (error) {
  console.error(error)
  process.exitCode = 1
}

/** Nearest-rank percentile. */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((x, y) => x - y)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1)
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
