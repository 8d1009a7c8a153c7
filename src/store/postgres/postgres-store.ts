import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { ChangeFeed } from '../migrations/change-feed.js'
import { redactUrl } from '../migrations/store-errors.js'
import { guardUnavailable, isPostgresUnavailable } from '../migrations/unavailable-guard.js'
import type { Store } from '../store.js'
import { postgresAdminMethods } from './postgres-admin.js'
import { postgresApproverMethods } from './postgres-approvers.js'
import { createPgContext } from './postgres-context.js'
import { startChangeListener } from './postgres-listener.js'
import { migratePostgres } from './postgres-migrate.js'
import { postgresRequestMethods } from './postgres-requests.js'
import { postgresTokenMethods } from './postgres-tokens.js'
import { postgresTransitionMethods } from './postgres-transitions.js'
import { postgresVaultMethods } from './postgres-vault.js'

const POOL_SIZE = 10

/** The URL as messages may show it: user, host, port and database, never a password. */
export function postgresLocation(url: string): string {
  return redactUrl(url)
}

/**
 * Connects to the PostgreSQL database at `url` (`postgres://…`), migrates it and LISTENs
 * for changes made by every instance sharing it.
 */
export async function openPostgresStore(url: string): Promise<Store> {
  const location = postgresLocation(url)
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: 10_000,
    // A partitioned network answers nothing: fail the query (closed) instead of hanging.
    query_timeout: 10_000,
    keepAlive: true,
  })
  // An idle client whose server went away: the pool drops it and the next query reconnects.
  pool.on('error', () => undefined)
  const feed = new ChangeFeed()
  const instance = randomBytes(9).toString('base64url')
  let listener
  try {
    await migratePostgres(pool, location)
    listener = await startChangeListener({
      connectionString: url,
      location,
      instance,
      onChange: (id) => feed.emit(id),
    })
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  const ctx = createPgContext(pool, instance, (id) => feed.emit(id))
  let closed = false

  const store: Store = {
    location,
    ...postgresRequestMethods(ctx),
    ...postgresTransitionMethods(ctx),
    ...postgresApproverMethods(ctx),
    ...postgresTokenMethods(ctx),
    ...postgresAdminMethods(ctx),
    ...postgresVaultMethods(ctx),
    onRequestChanged: (listener) => feed.subscribe(listener),
    async close() {
      if (closed) return
      closed = true
      feed.clear()
      await listener.close()
      await pool.end()
    },
  }
  return guardUnavailable(store, location, isPostgresUnavailable)
}
