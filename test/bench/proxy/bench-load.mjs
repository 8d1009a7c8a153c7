import { randomBytes } from 'node:crypto'
import process from 'node:process'
import { URL } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

const CALL_TIMEOUT_MS = 10_000
const CONNECT_TIMEOUT_MS = 30_000
/** Past this many wrong answers the run stops: the figures would mean nothing. */
const MAX_MISMATCHES = 20

/**
 * Opens `sessions` MCP sessions, warms each up, then runs `calls` echo calls per session: each
 * session sequential, all sessions in parallel. Every answer is checked against its message.
 * `cpuMs` reads the target process's CPU time, to report its CPU cost per timed call.
 */
export async function runLoad({ url, headers, sessions, calls, warmup, round, cpuMs }) {
  const clients = await Promise.all(
    Array.from({ length: sessions }, (_, index) => connect(url, headers, index)),
  )
  try {
    const tag = randomBytes(4).toString('hex')
    const mismatches = []
    const call = async (client, message) => {
      const result = await client
        .callTool({ name: 'echo', arguments: { message } }, undefined, {
          timeout: CALL_TIMEOUT_MS,
        })
        .catch((error) => ({ isError: true, content: [{ text: String(error) }] }))
      const text = result.content?.[0]?.text
      if (result.isError || text !== `Echo: ${message}`) {
        mismatches.push({ sent: message, got: result.isError ? `error: ${text}` : text })
        if (mismatches.length > MAX_MISMATCHES) {
          throw new Error(
            `more than ${MAX_MISMATCHES} wrong answers; first: ${JSON.stringify(mismatches[0])}`,
          )
        }
      }
    }
    await Promise.all(
      clients.map(async (client, s) => {
        for (let i = 0; i < warmup; i++) await call(client, `w-${tag}-r${round}-s${s}-${i}`)
      }),
    )
    const warmupMismatches = mismatches.length
    const latencies = new Float64Array(sessions * calls)
    const cpuBefore = cpuMs()
    const start = process.hrtime.bigint()
    await Promise.all(
      clients.map(async (client, s) => {
        for (let i = 0; i < calls; i++) {
          const before = process.hrtime.bigint()
          await call(client, `m-${tag}-r${round}-s${s}-${i}`)
          latencies[s * calls + i] = Number(process.hrtime.bigint() - before) / 1e6
        }
      }),
    )
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6
    return {
      ...summarize(latencies, wallMs),
      cpuUsPerCall: ((cpuMs() - cpuBefore) * 1000) / latencies.length,
      mismatches: mismatches.length,
      warmupMismatches,
      firstMismatch: mismatches[0],
    }
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
  }
}

/** One MCP client session over Streamable HTTP, connected. */
export async function connect(url, headers, index) {
  const client = new Client({ name: `bench-proxy-${index}`, version: '1' })
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })
  await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS })
  return client
}

/** p50 / p99 (nearest rank) in ms, and calls per second over the wall time of the timed run. */
export function summarize(latencies, wallMs) {
  const sorted = Float64Array.from(latencies).sort()
  const rank = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  return {
    p50: rank(0.5),
    p99: rank(0.99),
    callsPerSecond: (sorted.length / wallMs) * 1000,
    calls: sorted.length,
    wallMs,
  }
}
