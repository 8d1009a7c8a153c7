import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { startApprovalHarness, type ApprovalHarness } from '../../approval/http/approval-harness.js'
import { startPaymentsUpstream } from '../../fixtures/escalation/payments-upstream.js'
import {
  inboxDecider,
  startEscalationProxy,
  type EscalationProxy,
} from '../../mcp/proxy/escalation-harness.js'
import { createTestDatabase } from '../../store/postgres-database.js'

/** The variable the http-backend proxies read their key from. */
const KEY_ENV = 'WARDEN_BENCH_ESCALATION_KEY'

/**
 * A `warden serve` + `warden proxy` set-up. `client()` opens a payer's session on the proxy
 * the call waits on; `approver(id)` prepares the approver's decision (reads the request,
 * makes the TOTP code) and returns the action the latency is measured from.
 */
export interface EscalationTarget {
  name: string
  client(): Promise<Client>
  approver(id: string): Promise<() => Promise<unknown>>
  close(): Promise<void>
}

interface Setup {
  harness: ApprovalHarness
  decider: ReturnType<typeof inboxDecider>
  /** Closed in order, then `cleanup`. */
  proxies: EscalationProxy[]
  cleanup: (() => Promise<unknown>)[]
}

function target(
  name: string,
  parts: Setup,
  waitOn: () => Promise<EscalationProxy>,
): EscalationTarget {
  return {
    name,
    client: async () => (await waitOn()).client(),
    approver: (id: string) => parts.decider.prepare(id),
    async close() {
      for (const proxy of parts.proxies) await proxy.close()
      await parts.harness.close()
      for (const step of parts.cleanup) await step()
    },
  }
}

type Approvals = Record<string, unknown>

/** `wait: block`, progress once a minute: the call waits on the backend, not on a timer. */
async function proxyWith(upstreamUrl: string, approvals: Approvals): Promise<EscalationProxy> {
  return startEscalationProxy({
    upstream: upstreamUrl,
    // A day: each TOTP decision moves the server's clock 30 s ahead of the proxy's.
    timeout: '1d',
    approvals: { ...approvals, wait: 'block', progress_interval: 60 },
  })
}

/**
 * warden serve and the proxy on one SQLite file in one process (`builtin`: SQLite wakes only
 * stores of its own process), or the proxy asking warden serve over HTTP (`http`).
 */
export async function sqliteOneProxy(kind: 'builtin' | 'http'): Promise<EscalationTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-bench-escalation-'))
  const store = `sqlite:${join(dir, 'warden.db')}`
  const secretKeyFile = join(dir, 'secret.key')
  const harness = await startApprovalHarness({ store, secretKeyFile })
  const upstream = await startPaymentsUpstream()
  const parts = await setUp(harness, [() => upstream.close(), () => rm(dir, rf)])
  const builtin = {
    backend: 'builtin',
    store,
    public_url: harness.server.service.publicUrl,
    secret_key_file: secretKeyFile,
  }
  if (kind === 'builtin') {
    parts.proxies.push(await proxyWith(upstream.url, builtin))
    return target(
      'builtin · SQLite · one proxy, warden serve in the same process',
      parts,
      async () => parts.proxies[0]!,
    )
  }
  return target('http · SQLite · one proxy → warden serve', parts, async () => {
    // A new proxy and agent key per round: the agent API allows 120 new requests a minute.
    process.env[KEY_ENV] = await harness.agentKey(`bench-${randomBytes(3).toString('hex')}`)
    const http = { backend: 'http', url: harness.url, api_key_env: KEY_ENV }
    parts.proxies.push(await proxyWith(upstream.url, http))
    return parts.proxies.at(-1)!
  })
}

/**
 * warden serve and one or two proxies (`builtin`) on one PostgreSQL database; with two, the
 * call waits on proxy B while proxy A listens on the same database.
 */
export async function postgresProxies(proxies: 1 | 2): Promise<EscalationTarget> {
  const db = await createTestDatabase()
  const dir = await mkdtemp(join(tmpdir(), 'warden-bench-escalation-'))
  const secretKeyFile = join(dir, 'secret.key')
  const harness = await startApprovalHarness({ store: db.url, secretKeyFile })
  const upstream = await startPaymentsUpstream()
  const parts = await setUp(harness, [() => upstream.close(), () => db.drop(), () => rm(dir, rf)])
  const builtin = {
    backend: 'builtin',
    store: db.url,
    public_url: harness.server.service.publicUrl,
    secret_key_file: secretKeyFile,
  }
  for (let i = 0; i < proxies; i++) parts.proxies.push(await proxyWith(upstream.url, builtin))
  const name =
    proxies === 2
      ? 'builtin · PostgreSQL · two proxies (call waits on B) + warden serve'
      : 'builtin · PostgreSQL · one proxy + warden serve'
  return target(name, parts, async () => parts.proxies.at(-1)!)
}

const rf = { recursive: true, force: true }

/** Moves the server's clock to now (the proxies' services use the real clock), then enrols. */
async function setUp(harness: ApprovalHarness, cleanup: Setup['cleanup']): Promise<Setup> {
  harness.clock.now = Date.now()
  const approver = await harness.totpApprover(`approver-${randomBytes(3).toString('hex')}`)
  return { harness, decider: inboxDecider(harness, approver), proxies: [], cleanup }
}
