// `npm run bench:approvals`: time from the approver's action (the approve request leaving
// the approver) to the waiting call's `wait()` returning `approved`, p50 and p99 over
// BENCH_APPROVALS (50) approvals after BENCH_WARMUP (5), for the built-in backend on SQLite
// and on PostgreSQL (one instance; two instances with the call waiting on B while the
// approver approves through A), the HTTP backend long-polling instance B, and the SynAuth
// flavor polling every BENCH_SYNAUTH_POLL_MS (2000). BENCH_OUT writes the Markdown table.
import { cpus } from 'node:os'
import { writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { transferEscalation } from '../../approval/backend/escalations.js'
import { postgresReachable } from '../../store/postgres-database.js'
import {
  postgresInstances,
  sqliteOneInstance,
  synauthPolling,
  type LatencyTarget,
} from './latency-targets.js'

const settings = {
  rounds: positive('BENCH_ROUNDS', 3),
  approvals: positive('BENCH_APPROVALS', 50),
  warmup: positive('BENCH_WARMUP', 5),
  synauthPollMs: positive('BENCH_SYNAUTH_POLL_MS', 2000),
}
/** Long enough for a wait to reach its backend (listener subscribed, long-poll parked). */
const PARK_MS = 25

interface Row {
  name: string
  /** Per round: p50, p99 and max of the latency, p50 of the approver's own answer. */
  rounds: { p50: number; p99: number; max: number; answered: number }[]
}

interface Samples {
  latency: number[]
  answered: number[]
}

/** One approval at a time: create, wait, approve, until `count` approvals are measured. */
async function oneByOne(target: LatencyTarget, count: number): Promise<Samples> {
  const backend = await target.backend()
  const samples: Samples = { latency: [], answered: [] }
  for (let i = 0; i < count; i++) {
    const approval = await backend.create(transferEscalation())
    const act = await target.approver(approval)
    const waiting = backend.wait(approval.id, 60_000)
    await sleep(PARK_MS)
    const started = performance.now()
    const acting = act().then(() => samples.answered.push(performance.now() - started))
    const result = await waiting
    samples.latency.push(performance.now() - started)
    await acting
    if (result.status !== 'approved') throw new Error(`${target.name}: got ${result.status}`)
  }
  return samples
}

/**
 * All at once, each approval at a random moment within two poll intervals, so the samples
 * cover every phase of the poll cycle without taking 50 × 2 s.
 */
async function spreadOut(target: LatencyTarget, count: number, spreadMs: number): Promise<Samples> {
  const backend = await target.backend()
  const approvals = await Promise.all(
    Array.from({ length: count }, () => backend.create(transferEscalation())),
  )
  const samples: Samples = { latency: [], answered: [] }
  await Promise.all(
    approvals.map(async (approval) => {
      const act = await target.approver(approval)
      const waiting = backend.wait(approval.id, 60_000 + spreadMs)
      await sleep(PARK_MS + Math.random() * spreadMs)
      const started = performance.now()
      await act()
      samples.answered.push(performance.now() - started)
      const result = await waiting
      if (result.status !== 'approved') throw new Error(`${target.name}: got ${result.status}`)
      samples.latency.push(performance.now() - started)
    }),
  )
  return samples
}

async function measure(
  open: () => Promise<LatencyTarget>,
  run: (target: LatencyTarget, count: number) => Promise<Samples>,
): Promise<Row> {
  const target = await open()
  try {
    await run(target, settings.warmup)
    const row: Row = { name: target.name, rounds: [] }
    for (let round = 1; round <= settings.rounds; round++) {
      const { latency, answered } = await run(target, settings.approvals)
      const figures = {
        p50: percentile(latency, 50),
        p99: percentile(latency, 99),
        max: Math.max(...latency),
        answered: percentile(answered, 50),
      }
      row.rounds.push(figures)
      console.log(
        `${row.name}, round ${round}: p50 ${fmt(figures.p50)} ms, p99 ${fmt(figures.p99)} ms`,
      )
    }
    return row
  } finally {
    await target.close()
  }
}

const rows: Row[] = []
const skipped: string[] = []
try {
  rows.push(await measure(() => sqliteOneInstance('builtin'), oneByOne))
  rows.push(await measure(() => sqliteOneInstance('http'), oneByOne))
  const postgres = await postgresReachable()
  if (postgres === true) {
    rows.push(await measure(() => postgresInstances('builtin', 1), oneByOne))
    rows.push(await measure(() => postgresInstances('builtin', 2), oneByOne))
    rows.push(await measure(() => postgresInstances('http', 2), oneByOne))
  } else if (process.env.CI) {
    throw new Error(`PostgreSQL is not reachable: ${postgres}`)
  } else {
    skipped.push(`PostgreSQL rows skipped: ${postgres}`)
  }
  const poll = settings.synauthPollMs
  rows.push(
    await measure(
      () => synauthPolling(poll),
      (target, count) => spreadOut(target, count, 2 * poll),
    ),
  )
  const report = markdown(rows, skipped)
  console.log(`\n${report}`)
  if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, `${report}\n`)
} catch (error) {
  console.error(error)
  process.exitCode = 1
}

function markdown(measured: Row[], notes: string[]): string {
  const median = (row: Row, key: keyof Row['rounds'][number]) =>
    fmt(
      percentile(
        row.rounds.map((round) => round[key]),
        50,
      ),
    )
  const lines = [
    '| Backend · store · instances | p50 (ms) | p99 (ms) | max (ms) | approver answered, p50 (ms) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...measured.map(
      (row) =>
        `| ${row.name} | ${median(row, 'p50')} | ${median(row, 'p99')} | ` +
        `${median(row, 'max')} | ${median(row, 'answered')} |`,
    ),
    '',
    `Median of ${settings.rounds} rounds of ${settings.approvals} approvals (after ` +
      `${settings.warmup} warm-up approvals); Node ${process.version}, ` +
      `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ` +
      `${new Date().toISOString().slice(0, 10)}.`,
    ...notes,
  ]
  return lines.join('\n')
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
