import { bench, describe } from 'vitest'
import { assertAgreement, type BenchEngine } from './workload/bench-engine.js'
import { casbinPeer } from './workload/casbin-peer.js'
import { cedarPeer } from './workload/cedar-peer.js'
import { decisionWorkload, POOL_SIZE } from './workload/decision-workload.js'
import { LatencySummary } from './workload/latency-summary.js'
import { wardenEngine } from './workload/warden-engine.js'

/**
 * Decision latency of mcp-warden beside cedar-wasm and casbin on the same workload and the
 * same 1,024-request pool. One iteration decides 64 pool requests; the per-decision
 * p50/p99 table is printed after the last group (vitest's own table is per 64 decisions).
 */
const RULE_COUNTS = [10, 100, 1_000, 10_000]
const ENGINES = ['mcp-warden', 'cedar-wasm', 'casbin']
/** Slow peers at 10,000 rules take ~1 s per iteration: a time floor plus 3 iterations bounds the run. */
const OPTIONS = { time: 1_000, iterations: 3, warmupTime: 200, warmupIterations: 1 }

const summary = new LatencySummary(ENGINES, RULE_COUNTS)

for (const ruleCount of RULE_COUNTS) {
  const workload = decisionWorkload(ruleCount)
  const engines: BenchEngine[] = [
    wardenEngine(workload),
    cedarPeer(workload),
    await casbinPeer(workload),
  ]
  // Peers are slow at large N, so they are checked on a prefix of the pool there.
  const checked = ruleCount <= 100 ? POOL_SIZE : ruleCount <= 1_000 ? 256 : 64
  for (const engine of engines) {
    assertAgreement(engine, workload, engine.name === 'mcp-warden' ? POOL_SIZE : checked)
  }

  describe(`decide, ${ruleCount} rules`, () => {
    for (const engine of engines) {
      const { run, setup, teardown } = summary.timed(engine, ruleCount, POOL_SIZE)
      bench(engine.name, run, { ...OPTIONS, setup, teardown })
    }
  })
}
