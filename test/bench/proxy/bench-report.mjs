/** The targets: throughput at least mcp-proxy's, p50 within 0.3 ms of allow-all. */
export const P50_BUDGET_MS = 0.3

/** Per target, the median of each figure over the rounds (rounds are interleaved). */
export function medianRounds(rounds) {
  return {
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    callsPerSecond: median(rounds.map((r) => r.callsPerSecond)),
    cpuUsPerCall: median(rounds.map((r) => r.cpuUsPerCall)),
    mismatches: rounds.reduce((sum, r) => sum + r.mismatches + r.warmupMismatches, 0),
    calls: rounds.reduce((sum, r) => sum + r.calls, 0),
  }
}

/**
 * The two checks, on the median over rounds of each round's own ratio and delta: targets of
 * one round ran back to back, so a load change between rounds cancels out of the comparison.
 */
export function targetChecks(rounds) {
  const ratios = rounds.map(
    (r) => r.results['warden-auth'].callsPerSecond / r.results['mcp-proxy'].callsPerSecond,
  )
  const deltas = rounds.map((r) => r.results['warden-auth'].p50 - r.results['warden-allow-all'].p50)
  const ratio = median(ratios)
  const delta = median(deltas)
  const list = (values, digits) => values.map((v) => v.toFixed(digits)).join(', ')
  return [
    {
      name: 'throughput ≥ mcp-proxy',
      pass: ratio >= 1,
      detail: `median per-round ratio ${ratio.toFixed(2)}× (rounds: ${list(ratios, 2)})`,
    },
    {
      name: `p50 within ${P50_BUDGET_MS} ms of allow-all`,
      pass: delta <= P50_BUDGET_MS,
      detail: `median per-round delta ${signed(delta)} ms (rounds: ${deltas.map(signed).join(', ')})`,
    },
  ]
}

function signed(value) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(3)}`
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Markdown: the median table, the checks, and every round's figures. */
export function reportMarkdown({ targets, rounds, medians, checks, settings }) {
  const row = (cells) => `| ${cells.join(' | ')} |`
  const figures = (f) => [
    f.p50.toFixed(3),
    f.p99.toFixed(3),
    f.callsPerSecond.toFixed(0),
    f.cpuUsPerCall.toFixed(0),
  ]
  const lines = [
    `${settings.sessions} sessions × ${settings.calls} echo calls (after ${settings.warmup} warm-up calls per session), ` +
      `${settings.rounds} interleaved rounds (order rotated). Table: median over rounds of each figure; checks: median of the per-round comparisons.`,
    '',
    row(['target', 'p50 ms', 'p99 ms', 'calls/s', 'proxy CPU µs/call', 'wrong answers']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    ...targets.map((t) =>
      row([
        t.name,
        ...figures(medians[t.key]),
        `${medians[t.key].mismatches} / ${medians[t.key].calls}`,
      ]),
    ),
    '',
    ...checks.map((c) => `- ${c.pass ? 'PASS' : 'MISS'} ${c.name}: ${c.detail}`),
    '',
    'Proxy CPU µs/call: user + system CPU time of the proxy process alone (not its upstreams) during the timed calls, per call.',
    '',
    'Rounds (p50 / p99 ms, calls/s, proxy CPU µs/call):',
    '',
    row(['round', 'order', ...targets.map((t) => t.name)]),
    row(['---', '---', ...targets.map(() => '---')]),
    ...rounds.map((r, i) =>
      row([
        String(i + 1),
        r.order.join(' → '),
        ...targets.map((t) => {
          const f = r.results[t.key]
          return `${f.p50.toFixed(3)} / ${f.p99.toFixed(3)}, ${f.callsPerSecond.toFixed(0)}, ${f.cpuUsPerCall.toFixed(0)}`
        }),
      ]),
    ),
  ]
  return lines.join('\n')
}
