/** One thing that must hold before this instance should get traffic. */
export interface ReadinessCheck {
  /** Shown in the /readyz report: `policies`, `upstream fs`, `store`. */
  name: string
  /** Resolves when ready; rejects with why not. Should give up when `signal` aborts. */
  check(signal: AbortSignal): Promise<void>
}

export type CheckResult = { ok: true } | { ok: false; error: string }

export interface ReadinessReport {
  ready: boolean
  checks: Record<string, CheckResult>
}

/** A check that takes longer than this fails: a hung dependency is not a ready one. */
export const READINESS_TIMEOUT_MS = 2_000

/** Runs every check at once; ready only if all pass within the timeout. */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (each): Promise<[string, CheckResult]> => {
      const controller = new AbortController()
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort()
          reject(new Error(`no answer within ${timeoutMs} ms`))
        }, timeoutMs)
      })
      try {
        await Promise.race([each.check(controller.signal), timedOut])
        return [each.name, { ok: true }]
      } catch (error) {
        return [each.name, { ok: false, error: (error as Error).message ?? String(error) }]
      } finally {
        clearTimeout(timer)
      }
    }),
  )
  return {
    ready: results.every(([, result]) => result.ok),
    checks: Object.fromEntries(results),
  }
}
