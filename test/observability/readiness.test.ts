import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startApprovalServer } from '../../src/approval/http/start-approval-server.js'
import { loadProxyConfig } from '../../src/mcp/proxy/load-proxy-config.js'
import { startProxy, type RunningProxy } from '../../src/mcp/proxy/start-proxy.js'
import { openStore } from '../../src/store/open-store.js'
import { createTestDatabase, describePostgres } from '../store/postgres-database.js'
import { startHttpUpstream } from './http-upstream.js'
import { admin } from './metrics-text.js'

const POLICY = 'name: open\ndefault_effect: allow\nrules: []\n'

async function proxyInFront(upstreams: Record<string, unknown>): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-readiness-'))
  await writeFile(join(dir, 'policy.yaml'), POLICY)
  const config = await loadProxyConfig({
    overrides: {
      listen: { transport: 'http', host: '127.0.0.1', port: 0, path: '/mcp' },
      upstreams,
      policies: join(dir, 'policy.yaml'),
      allow_anonymous: true,
      admin: { host: '127.0.0.1', port: 0 },
    },
    cwd: dir,
  })
  return startProxy(config, { log: () => undefined })
}

const readyz = async (url: string) => {
  const answer = await admin(url, '/readyz')
  return { status: answer.status, body: JSON.parse(answer.text) as Record<string, unknown> }
}

describe('warden proxy /readyz', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('is ready with policies loaded and the upstream reachable, and not once it is down', async () => {
    const upstream = await startHttpUpstream()
    const proxy = await proxyInFront({ observed: { url: upstream.url } })
    cleanup.push(() => proxy.close())

    const up = await readyz(proxy.adminUrl!)
    expect(up.status).toBe(200)
    expect(up.body).toEqual({
      status: 'ready',
      checks: { policies: { ok: true }, 'upstream observed': { ok: true }, shutdown: { ok: true } },
    })

    await upstream.close()
    const down = await readyz(proxy.adminUrl!)
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({
      status: 'not ready',
      checks: {
        policies: { ok: true },
        'upstream observed': { ok: false, error: expect.stringMatching(/ECONNREFUSED/) },
      },
    })
    expect((await admin(proxy.adminUrl!, '/healthz')).status).toBe(200)
  })

  it('is not ready when a stdio upstream command does not exist', async () => {
    const proxy = await proxyInFront({ ghost: { command: 'warden-no-such-command-xyz' } })
    cleanup.push(() => proxy.close())
    const { status, body } = await readyz(proxy.adminUrl!)
    expect(status).toBe(503)
    expect(body.checks).toMatchObject({
      'upstream ghost': {
        ok: false,
        error: 'warden-no-such-command-xyz: not found or not executable',
      },
    })
  })

  it('is not ready while shutting down', async () => {
    const upstream = await startHttpUpstream()
    cleanup.push(() => upstream.close())
    const proxy = await proxyInFront({ observed: { url: upstream.url } })
    const adminUrl = proxy.adminUrl!
    // A call in flight keeps the proxy draining, and its admin listener up, until released.
    const { httpClient } = await import('../mcp/proxy/proxy-harness.js')
    const client = await httpClient(proxy.url!, {})
    const held = client.callTool({ name: 'hold', arguments: {} })
    await upstream.held()
    const stopping = proxy.shutdown(60_000)
    const { status, body } = await readyz(adminUrl)
    expect(status).toBe(503)
    expect(body.checks).toMatchObject({ shutdown: { ok: false, error: 'shutting down' } })
    upstream.release()
    expect(await held).toMatchObject({ content: [{ type: 'text', text: 'released' }] })
    expect(await stopping).toEqual({ drained: true })
    await client.close()
  })
})

describe('warden serve /readyz', () => {
  it('is ready while the store answers, and not once it is gone (SQLite)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-readiness-'))
    const store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
    const server = await startApprovalServer({
      store,
      port: 0,
      secretKeyFile: join(dir, 'secret.key'),
      env: {},
      vault: false,
      admin: { host: '127.0.0.1', port: 0 },
    })
    try {
      expect(await readyz(server.adminUrl!)).toEqual({
        status: 200,
        body: { status: 'ready', checks: { store: { ok: true }, shutdown: { ok: true } } },
      })
      await store.close()
      const { status, body } = await readyz(server.adminUrl!)
      expect(status).toBe(503)
      expect(body.checks).toMatchObject({ store: { ok: false } })
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describePostgres('warden serve /readyz on PostgreSQL', () => {
  it('is not ready once the database is unreachable', async () => {
    const database = await createTestDatabase()
    const dir = await mkdtemp(join(tmpdir(), 'warden-readiness-'))
    const server = await startApprovalServer({
      store: database.url,
      port: 0,
      secretKeyFile: join(dir, 'secret.key'),
      env: {},
      vault: false,
      admin: { host: '127.0.0.1', port: 0 },
    })
    try {
      expect((await readyz(server.adminUrl!)).status).toBe(200)
      // Ends every connection and removes the database: the store can no longer reconnect.
      await database.drop()
      const { status, body } = await readyz(server.adminUrl!)
      expect(status).toBe(503)
      expect(body.checks).toMatchObject({ store: { ok: false } })
    } finally {
      await server.close().catch(() => undefined)
      await database.drop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
