import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AddressInUseError,
  startAdminListener,
  type AdminListener,
} from '../../src/observability/admin-listener.js'
import { checkReadiness, type ReadinessCheck } from '../../src/observability/readiness.js'
import { createWardenMetrics } from '../../src/observability/warden-metrics.js'
import { admin, sample } from './metrics-text.js'

const passing: ReadinessCheck = { name: 'policies', check: async () => undefined }
const failing: ReadinessCheck = {
  name: 'store',
  check: async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
  },
}

describe('the admin listener', () => {
  let listener: AdminListener | undefined
  afterEach(async () => {
    await listener?.close()
    listener = undefined
  })

  it('answers /healthz while the process runs, whatever the checks say', async () => {
    listener = await startAdminListener({ port: 0, readiness: [failing] })
    const answer = await admin(listener.url, '/healthz')
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({ status: 'ok' })
  })

  it('answers /readyz 200 when every check passes, 503 naming the one that failed', async () => {
    const checks = [passing]
    listener = await startAdminListener({ port: 0, readiness: () => checks })
    const ready = await admin(listener.url, '/readyz')
    expect(ready.status).toBe(200)
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready', checks: { policies: { ok: true } } })

    checks.push(failing)
    const notReady = await admin(listener.url, '/readyz')
    expect(notReady.status).toBe(503)
    expect(JSON.parse(notReady.text)).toEqual({
      status: 'not ready',
      checks: {
        policies: { ok: true },
        store: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5432' },
      },
    })
  })

  it('serves the registry as Prometheus text on /metrics', async () => {
    const metrics = createWardenMetrics()
    metrics.decided({ action: 'call', effect: 'deny', rule: 'no-deletes', tool: 'rm' }, 0.001)
    listener = await startAdminListener({ port: 0, metrics })
    const response = await fetch(`${listener.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const labels = { action: 'call', effect: 'deny', rule: 'no-deletes', tool: 'rm' }
    expect(sample(await response.text(), 'warden_decisions_total', labels)).toBe(1)
  })

  it('answers 404 for other paths and 405 for other methods', async () => {
    listener = await startAdminListener({ port: 0 })
    expect((await admin(listener.url, '/metrics')).status).toBe(404)
    expect((await admin(listener.url, '/')).status).toBe(404)
    expect((await fetch(`${listener.url}/healthz`, { method: 'POST' })).status).toBe(405)
  })

  it('refuses a port in use with one line naming the address', async () => {
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done))
    const { port } = taken.address() as { port: number }
    try {
      const started = startAdminListener({ host: '127.0.0.1', port })
      await expect(started).rejects.toBeInstanceOf(AddressInUseError)
      await expect(started).rejects.toThrow(`admin port ${port} on 127.0.0.1 is in use`)
    } finally {
      taken.close()
    }
  })
})

describe('checkReadiness', () => {
  it('fails a check that does not answer in time, and aborts it', async () => {
    let aborted = false
    const hung: ReadinessCheck = {
      name: 'upstream slow',
      check: (signal) =>
        new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
    }
    const report = await checkReadiness([passing, hung], 10)
    expect(report.ready).toBe(false)
    expect(report.checks['upstream slow']).toEqual({ ok: false, error: 'no answer within 10 ms' })
    expect(aborted).toBe(true)
  })
})

describe('createWardenMetrics', () => {
  it('keeps a bounded number of values per label, counting the rest as _other', async () => {
    const metrics = createWardenMetrics()
    for (let i = 0; i < 250; i++) {
      metrics.decided({ action: 'call', effect: 'deny', tool: `random-${i}` }, 0)
    }
    const { body } = await metrics.exposition()
    expect(sample(body, 'warden_decisions_total', { tool: 'random-0' })).toBe(1)
    expect(sample(body, 'warden_decisions_total', { tool: 'random-249' })).toBeUndefined()
    expect(sample(body, 'warden_decisions_total', { tool: '_other' })).toBe(50)
  })

  it('registers in a registry the application owns, without process metrics', async () => {
    const { Registry } = await import('prom-client')
    const registry = new Registry()
    const metrics = createWardenMetrics(registry)
    metrics.vaultExecuted('succeeded')
    const text = await registry.metrics()
    expect(sample(text, 'warden_vault_executions_total', { outcome: 'succeeded' })).toBe(1)
    expect(text).not.toMatch(/process_cpu_user_seconds_total/)
  })
})
