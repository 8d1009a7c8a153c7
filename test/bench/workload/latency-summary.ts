import type { BenchEngine } from './bench-engine.js'

/** Decisions per bench iteration; the iteration cursor walks the pool 64 requests at a time. */
export const BATCH = 64
/** Below this, one decision is too short to time alone (timer overhead ~50 ns), so batches are timed. */
const SINGLE_TIMING_FLOOR_NS = 10_000

export interface LatencyStats {
  p50: number
  p99: number
  samples: number
  timing: 'batch' | 'single'
}

type Hook = (task: unknown, mode: 'warmup' | 'run') => void

/** Times each engine × rule count from inside its vitest bench iterations, then prints one table. */
export class LatencySummary {
  readonly #engines: readonly string[]
  readonly #ruleCounts: readonly number[]
  readonly #stats = new Map<string, LatencyStats>()
  #allowed = 0

  constructor(engines: readonly string[], ruleCounts: readonly number[]) {
    this.#engines = engines
    this.#ruleCounts = ruleCounts
  }

  /** A bench function plus tinybench hooks that keep only the measured (non-warmup) samples. */
  timed(engine: BenchEngine, ruleCount: number, poolSize: number) {
    let timing: LatencyStats['timing'] = 'batch'
    let samples: number[] = []
    let cursor = 0
    const run = (): void => {
      let allowed = 0
      if (timing === 'batch') {
        const start = process.hrtime.bigint()
        for (let k = 0; k < BATCH; k++) if (engine.allows((cursor + k) % poolSize)) allowed++
        samples.push(Number(process.hrtime.bigint() - start) / BATCH)
      } else {
        for (let k = 0; k < BATCH; k++) {
          const start = process.hrtime.bigint()
          if (engine.allows((cursor + k) % poolSize)) allowed++
          samples.push(Number(process.hrtime.bigint() - start))
        }
      }
      cursor = (cursor + BATCH) % poolSize
      this.#allowed += allowed
    }
    const setup: Hook = (_task, mode) => {
      if (mode !== 'run') return
      // Decided after tinybench's warmup: a cold engine would look slower than it is.
      timing = estimateNs(engine) < SINGLE_TIMING_FLOOR_NS ? 'batch' : 'single'
      samples = []
    }
    const teardown: Hook = (_task, mode) => {
      if (mode !== 'run') return
      this.#stats.set(key(engine.name, ruleCount), summarize(samples, timing))
      if (this.#stats.size === this.#engines.length * this.#ruleCounts.length)
        console.log(this.table())
    }
    return { run, setup, teardown }
  }

  /** Markdown: per-decision p50 / p99 in µs for every engine, and mcp-warden's p50 speed-up. */
  table(): string {
    const [ours, ...peers] = this.#engines
    const us = (ns: number): string => (ns / 1000).toFixed(ns < 10_000 ? 2 : ns < 1_000_000 ? 1 : 0)
    const head = [
      'rules',
      ...this.#engines.map((name) => `${name} p50 / p99 (µs)`),
      ...peers.map((name) => `× vs ${name} (p50)`),
    ]
    const rows = this.#ruleCounts.map((ruleCount) => {
      const stats = this.#engines.map((name) => this.#stats.get(key(name, ruleCount)))
      const ourStats = this.#stats.get(key(ours!, ruleCount))
      return [
        ruleCount.toLocaleString('en-US'),
        ...stats.map((s) => (s ? `${us(s.p50)} / ${us(s.p99)}` : 'n/a')),
        ...peers.map((name) => {
          const peer = this.#stats.get(key(name, ruleCount))
          return peer && ourStats
            ? `${Math.round(peer.p50 / ourStats.p50).toLocaleString('en-US')}×`
            : 'n/a'
        }),
      ]
    })
    const detail = [...this.#stats].map(
      ([name, s]) =>
        `${name}: ${s.samples} samples, ${s.timing === 'batch' ? `${BATCH}-decision batches` : 'single decisions'}`,
    )
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
      '',
      ...detail,
      `(allowed decisions in the timed runs: ${this.#allowed})`,
    ].join('\n')
  }
}

const key = (engine: string, ruleCount: number): string => `${engine} @ ${ruleCount}`

function summarize(samples: number[], timing: LatencyStats['timing']): LatencyStats {
  const sorted = Float64Array.from(samples).sort()
  const rank = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  return { p50: rank(0.5), p99: rank(0.99), samples: sorted.length, timing }
}

/** Fastest of a few short rounds, in ns per decision, so one GC pause cannot change the timing mode. */
function estimateNs(engine: BenchEngine): number {
  let fastest = Infinity
  for (let round = 0; round < 3 && fastest >= SINGLE_TIMING_FLOOR_NS; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < 2; i++) engine.allows(round * 2 + i)
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 2)
  }
  return fastest
}
