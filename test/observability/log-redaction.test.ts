import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateApiKey } from '../../src/identity/api-key.js'
import { writeApiKeysFile } from '../../src/identity/api-key-file.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { CENSOR, createLogger } from '../../src/observability/logger.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { startApprovalHarness, type ApprovalHarness } from '../approval/http/approval-harness.js'
import { inboxDecider } from '../mcp/proxy/escalation-harness.js'
import { httpClient, MCP_HEADERS } from '../mcp/proxy/proxy-harness.js'
import { startHttpsTarget, type HttpsTarget } from '../vault/https-target.js'
import { SECRET, testVault } from '../vault/vault-fixtures.js'
import { startHttpUpstream, type HttpUpstream } from './http-upstream.js'

const POLICY = `
name: redaction
default_effect: allow
rules:
  - { name: risky, effect: escalate, tools: { names: [echo] }, actions: [call],
      conditions: [{ field: tool.args.text, operator: equals, value: approve-me }] }
`
const UPSTREAM_TOKEN = 'upstream-token-7d1c9e2b4f6a8053'
const KEY_ENV = 'WARDEN_REDACTION_TEST_KEY'

/**
 * Every line mcp-warden logs while a test run uses real credentials (the caller's API key,
 * the proxy's agent key for warden serve, an upstream token, the approver's TOTP secret,
 * codes and session cookie, a vault secret), at the most verbose level, is searched for them.
 */
describe('log redaction', () => {
  const lines: string[] = []
  const secrets = new Map<string, string>()
  let dir: string
  let store: Store
  let target: HttpsTarget
  let h: ApprovalHarness
  let upstream: HttpUpstream
  let proxy: RunningProxy
  let client: Client

  const logger = (name: string) =>
    createLogger({ level: 'trace', name, destination: (line) => void lines.push(line) })

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-redaction-'))
    store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
    target = await startHttpsTarget()
    const serveLogger = logger('warden serve')
    const vault = await testVault(store, { log: (line) => serveLogger.info(line) })
    await vault.addCredential({
      name: 'api',
      auth_type: 'bearer',
      allowed_hosts: [`api.test.example:${target.port}`],
      secret: SECRET,
    })
    secrets.set('vault secret', SECRET)
    h = await startApprovalHarness({
      store,
      vault,
      logger: serveLogger,
      admin: { host: '127.0.0.1', port: 0 },
    })
    upstream = await startHttpUpstream()

    const agentKey = await h.agentKey('redaction-proxy')
    secrets.set('agent key', agentKey)
    vi.stubEnv(KEY_ENV, agentKey)
    const caller = generateApiKey()
    secrets.set('caller API key', caller.key)
    secrets.set('upstream token', UPSTREAM_TOKEN)
    await writeApiKeysFile(join(dir, 'keys.yaml'), [
      {
        prefix: caller.prefix,
        hash: caller.hash,
        user_id: 'bob',
        roles: ['user'],
        created_at: new Date().toISOString(),
      },
    ])
    await writeFile(join(dir, 'policy.yaml'), POLICY)
    const config = await loadProxyConfig({
      overrides: {
        listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
        upstreams: {
          observed: { url: upstream.url, headers: { Authorization: `Bearer ${UPSTREAM_TOKEN}` } },
        },
        policies: join(dir, 'policy.yaml'),
        identity: [{ type: 'api_key', keys_file: join(dir, 'keys.yaml') }],
        audit: { file: join(dir, 'audit.jsonl') },
        approvals: { backend: 'http', url: h.url, api_key_env: KEY_ENV, progress_interval: 0.2 },
        admin: { host: '127.0.0.1', port: 0 },
      },
      cwd: dir,
    })
    proxy = await startProxy(config, { logger: logger('warden proxy') })
    client = await httpClient(proxy.url!, { 'x-api-key': caller.key })
  })
  afterAll(async () => {
    await client?.close()
    await proxy?.close()
    await upstream?.close()
    await h?.close()
    await target?.close()
    await store?.close()
    await rm(dir, { recursive: true, force: true })
    vi.unstubAllEnvs()
  })

  it('runs calls, an approval with TOTP and a vault execution, logging at trace level', async () => {
    const allowed = (await client.callTool({
      name: 'echo',
      arguments: { text: 'plain' },
    })) as CallToolResult
    expect(allowed.isError).toBeFalsy()
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`)

    // A wrong key, in both headers a credential may come in.
    const wrong = `wk_${'x'.repeat(43)}`
    secrets.set('wrong key', wrong)
    const presented: Record<string, string>[] = [
      { 'x-api-key': wrong },
      { authorization: `Bearer ${wrong}` },
    ]
    for (const header of presented) {
      const refused = await fetch(proxy.url!, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...header },
        body: '{}',
      })
      expect(refused.status).toBe(401)
    }

    // An escalated call, approved through warden serve with a TOTP code.
    const approver = await h.totpApprover('alice')
    secrets.set('TOTP secret', approver.secret)
    secrets.set('approver session cookie', approver.cookie.split('=')[1]!)
    const decider = inboxDecider(h, approver)
    let approvalId: string | undefined
    let found!: () => void
    const waiting = new Promise<void>((done) => (found = done))
    const escalated = client.callTool(
      { name: 'echo', arguments: { text: 'approve-me' } },
      undefined,
      {
        resetTimeoutOnProgress: true,
        onprogress: (progress) => {
          approvalId ??= /waiting for approval ([\w-]+)/.exec(progress.message ?? '')?.[1]
          if (approvalId) found()
        },
      },
    )
    await waiting
    const approve = await decider.prepare(approvalId!)
    secrets.set('TOTP code', await approver.code())
    await approve()
    expect(((await escalated) as CallToolResult).isError).toBeFalsy()

    // A vault execution: the credential goes to the HTTPS target, which echoes it back.
    const agent = h.agent(await h.agentKey('vault-agent'))
    const created = await agent('/vault/execute', {
      method: 'POST',
      body: JSON.stringify({
        service_name: 'api',
        method: 'GET',
        url: `https://api.test.example:${target.port}/echo`,
        description: 'Read the echo',
      }),
    })
    expect(created.status).toBe(201)
    const { id, content_hash } = (await created.json()) as { id: string; content_hash: string }
    h.clock.now += 30_000
    const code = await approver.code()
    secrets.set('second TOTP code', code)
    const approved = await approver.call(`/api/v1/inbox/${id}/approve`, {
      content_hash,
      totp: code,
    })
    expect(approved.status).toBe(200)
    const executed = await agent(`/vault/execute/${id}`, { method: 'POST', body: '{}' })
    expect(executed.status).toBe(200)
    const { text: metrics } = await fetch(`${h.server.adminUrl}/metrics`).then(async (r) => ({
      text: await r.text(),
    }))
    expect(metrics).toMatch(/warden_vault_executions_total\{outcome="succeeded"\} 1/)
  })

  it('logged the requests, by header name', () => {
    const identified = lines
      .map((line) => JSON.parse(line))
      .find((e) => e.msg === 'caller identified')
    expect(identified.req.headers).toContain('x-api-key')
    expect(lines.some((line) => line.includes('"msg":"request"') && line.includes('cookie'))).toBe(
      true,
    )
    expect(lines.some((line) => line.includes('vault: '))).toBe(true)
  })

  it('never wrote any of the secrets it used into any log line', () => {
    expect(lines.length).toBeGreaterThan(10)
    for (const [what, secret] of secrets) {
      const pattern = new RegExp(
        `(?<![\\w-])${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`,
      )
      const leaked = lines.filter((line) => pattern.test(line))
      expect(leaked, `${what} appears in the log`).toEqual([])
    }
  })

  it('censors credential fields wherever a caller puts them, and logs headers by name only', () => {
    const probe: string[] = []
    const log = createLogger({ level: 'trace', destination: (line) => void probe.push(line) })
    log.info(
      {
        headers: { authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET },
        totp: '123456',
        body: { secret: SECRET, token: SECRET, code: '654321', password: SECRET },
        request: { cookie: `session=${SECRET}`, 'set-cookie': SECRET },
      },
      'probe',
    )
    const entry = JSON.parse(probe[0]!)
    expect(entry.headers).toEqual(['authorization', 'x-api-key'])
    expect(entry.totp).toBe(CENSOR)
    expect(entry.body).toEqual({ secret: CENSOR, token: CENSOR, code: CENSOR, password: CENSOR })
    expect(entry.request).toEqual({ cookie: CENSOR, 'set-cookie': CENSOR })
    expect(probe[0]).not.toContain(SECRET)
  })
})
