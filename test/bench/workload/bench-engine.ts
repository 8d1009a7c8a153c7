import type { Verdict, Workload } from './decision-workload.js'

/** One engine loaded with one workload; `allows(i)` decides pool request i in the engine's own input format. */
export interface BenchEngine {
  name: string
  allows(index: number): boolean
  /** Effect and deciding rule, for the agreement check only (not timed). */
  explain(index: number): { verdict: Verdict; rule: string | null }
}

/**
 * Throws unless the engine agrees with the workload's expected decision (and the
 * deciding rule) on the first `count` requests of the pool.
 */
export function assertAgreement(engine: BenchEngine, workload: Workload, count: number): void {
  const checked = Math.min(count, workload.requests.length)
  for (let i = 0; i < checked; i++) {
    const want = workload.requests[i]!
    const got = engine.explain(i)
    const ruleDiffers = got.rule !== want.expectedRule
    if (
      got.verdict !== want.expected ||
      ruleDiffers ||
      engine.allows(i) !== (want.expected === 'allow')
    ) {
      throw new Error(
        `${engine.name} at ${workload.ruleCount} rules disagrees on request ${i} ` +
          `(${JSON.stringify(want)}): got ${JSON.stringify(got)}`,
      )
    }
  }
}
