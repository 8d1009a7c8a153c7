// `npm run load`: N concurrent sessions drive a fixed number of `echo` calls each through the
// real `warden proxy` (HTTP, one API key per session, the bench's 100-rule policy, an audit
// file) in front of server-everything over stdio. Every call carries a unique token that must
// come back on its own answer; afterwards the audit file must hold one tools/call record per
// call, per user, in a chain that verifies. Exit status 1 when any of that fails.
// Options: --sessions 8 --calls 2000 (per session) --inflight 2 (per session) --warmup 50.
import console from 'node:console'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'
import { parseArgs } from 'node:util'
import { summarize } from '../bench/proxy/bench-load.mjs'
import { countAuditRecords } from './audit-count.mjs'
import { createCallLedger } from './call-ledger.mjs'
import { children, cpuSeconds, rssMiB, startLoadProxy } from './load-proxy.mjs'
import { openRawSession } from './raw-session.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '8' },
    calls: { type: 'string', default: '2000' },
    inflight: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '50' },
  },
})
const settings = Object.fromEntries(
  Object.entries(values).map(([name, raw]) => {
    const value = Number(raw)
    if (!Number.isInteger(value) || value < (name === 'warmup' ? 0 : 1)) {
      throw new Error(`--${name} must be a whole number`)
    }
    return [name, value]
  }),
)

const dir = await mkdtemp(join(tmpdir(), 'warden-load-'))
const users = Array.from({ length: settings.sessions }, (_, i) => `load-${i}`)
const proxy = await startLoadProxy({ root: ROOT, dir, users })
process.on('SIGINT', () => {
  proxy.killGroup('SIGKILL')
  process.exit(130)
})
let failed
try {
  const ledger = createCallLedger()
  const sessions = await Promise.all(
    users.map((user, i) => openRawSession(proxy.url, proxy.keys[i], user)),
  )
  const drive = (count, latencies) =>
    Promise.all(
      sessions.map(async (session, s) => {
        let issued = 0
        const lane = async () => {
          while (issued < count) {
            const index = issued++
            const call = ledger.issue(s)
            const before = process.hrtime.bigint()
            let answer
            let error
            try {
              answer = await session.echo(call.id, call.token)
            } catch (caught) {
              error = caught
            }
            if (latencies)
              latencies[s * count + index] = Number(process.hrtime.bigint() - before) / 1e6
            ledger.settle(call, answer, error)
          }
        }
        await Promise.all(Array.from({ length: settings.inflight }, lane))
      }),
    )
  await drive(settings.warmup)
  const rssWarm = rssMiB(proxy.pid)
  const latencies = new Float64Array(settings.sessions * settings.calls)
  const cpuBefore = cpuSeconds(proxy.pid)
  const started = process.hrtime.bigint()
  await drive(settings.calls, latencies)
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  const cpuUsPerCall = ((cpuSeconds(proxy.pid) - cpuBefore) * 1e6) / latencies.length
  const rssEnd = rssMiB(proxy.pid)
  const upstreams = children(proxy.pid)
  await Promise.all(sessions.map((session) => session.close()))
  await proxy.stop()

  const audit = await countAuditRecords(ROOT, proxy.auditFile)
  const perSession = settings.warmup + settings.calls
  const auditMismatches = users.filter((user) => (audit.calls.get(user) ?? 0) !== perSession)
  const auditCalls = [...audit.calls.values()].reduce((a, b) => a + b, 0)
  const timed = summarize(latencies, wallMs)
  const { counts } = ledger
  const report = {
    settings,
    calls: counts.sent,
    callsPerSecond: Math.round(timed.callsPerSecond),
    p50Ms: Number(timed.p50.toFixed(3)),
    p99Ms: Number(timed.p99.toFixed(3)),
    proxyCpuUsPerCall: Math.round(cpuUsPerCall),
    ok: counts.ok,
    lost: counts.lost,
    duplicated: counts.duplicated,
    misrouted: counts.misrouted,
    auditToolCallRecords: auditCalls,
    auditRecordsTotal: audit.records,
    auditUsersMismatched: auditMismatches,
    auditChainOk: audit.chainOk,
    auditBytesPerRecord: Math.round(audit.bytes / audit.records),
    proxyRssMiB: { afterWarmup: Number(rssWarm.toFixed(1)), end: Number(rssEnd.toFixed(1)) },
    upstreamProcesses: upstreams.count,
    upstreamRssMiB: Number(upstreams.rss.toFixed(1)),
  }
  console.log(
    [
      `load: ${settings.sessions} sessions × ${settings.calls} calls (+${settings.warmup} warm-up each), ${settings.inflight} in flight per session`,
      `  ${report.callsPerSecond} calls/s, p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms, proxy CPU ${report.proxyCpuUsPerCall} µs/call`,
      `  answers: ${counts.ok} ok of ${counts.sent}; lost ${counts.lost}, duplicated ${counts.duplicated}, misrouted ${counts.misrouted}`,
      `  audit: ${auditCalls} tools/call records for ${counts.sent} calls (${audit.records} records in all), per user ${auditMismatches.length === 0 ? 'all equal' : `differ for ${auditMismatches.join(', ')}`}, chain ${audit.chainOk ? 'verifies' : 'BROKEN'}, ${report.auditBytesPerRecord} bytes/record`,
      `  proxy RSS: ${report.proxyRssMiB.afterWarmup} MiB after warm-up, ${report.proxyRssMiB.end} MiB at the end; ${upstreams.count} upstream processes, ${report.upstreamRssMiB} MiB RSS together`,
    ].join('\n'),
  )
  console.log(JSON.stringify(report))
  if (ledger.examples.length > 0) console.error(JSON.stringify(ledger.examples, null, 2))
  failed =
    counts.ok !== counts.sent ||
    auditCalls !== counts.sent ||
    auditMismatches.length > 0 ||
    !audit.chainOk
} catch (error) {
  console.error(error)
  console.error(`--- proxy output ---\n${proxy.log()}`)
  failed = true
} finally {
  await proxy.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
