import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations/schema.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { approval, newRequest, nextChange } from './contract/fixtures.js'
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-database.js'

describePostgres('PostgreSQL store', () => {
  let database: TestDatabase
  const opened: Store[] = []

  beforeEach(async () => {
    database = await createTestDatabase()
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await database.drop()
  })

  async function open(url = database.url): Promise<Store> {
    const store = await openStore(url)
    opened.push(store)
    return store
  }

  it('migrates a fresh database once when several instances start together', async () => {
    await Promise.all([open(), open(), open(), open()])
    const { rows } = await database.query('SELECT version FROM schema_migrations ORDER BY version')
    expect(rows.map((row: { version: number }) => row.version)).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, index) => index + 1),
    )
  })

  it('shows where it is without the password', async () => {
    const url = new URL(database.url)
    url.password = 'hunter2'
    const store = await open(url.toString())
    expect(store.location).not.toContain('hunter2')
    expect(store.location).toContain(`127.0.0.1:5432/${database.name}`)
  })

  it('reports a database that does not exist as unavailable', async () => {
    const url = new URL(database.url)
    url.pathname = `/${database.name}_missing`
    await expect(open(url.toString())).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' })
  })

  it('reports a database lost after opening as unavailable', async () => {
    const store = await open()
    await database.drop()
    await expect(store.getRequest('apr_x', 0)).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining(store.location),
    })
  })

  it('hears other instances again after its listening connection is cut', async () => {
    const listening = await open()
    const writer = await open()
    const cut = await database.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'warden-listener'`,
      [database.name],
    )
    expect(cut.rowCount).toBe(2)
    await vi.waitFor(
      async () => {
        const { rows } = await database.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = $1 AND application_name = 'warden-listener' AND query LIKE 'LISTEN%'`,
          [database.name],
        )
        expect(rows[0].n).toBe(2)
      },
      { timeout: 10_000, interval: 50 },
    )
    const request = await writer.createRequest(newRequest())
    const woken = nextChange(listening, (id) => id === request.id)
    await writer.approveRequest(approval(request.id))
    expect(await woken).toBe(request.id)
  })
})
