import type pg from 'pg'
import { WardenError } from '../../errors.js'
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE_SQL, migrationsFor } from '../migrations/schema.js'
import { migrationFailed, schemaTooNew, storeUnavailable } from '../migrations/store-errors.js'
import { first } from './postgres-context.js'

// Session lock held while migrating, so instances starting together migrate one at a time.
const MIGRATION_LOCK = 0x77_61_72_64_65_6e // "warden"

/**
 * Brings the schema to LATEST_SCHEMA_VERSION: every numbered migration not yet recorded in
 * schema_migrations, in order, in one transaction, under an advisory lock. Refuses a
 * database a newer warden has migrated.
 */
export async function migratePostgres(
  pool: pg.Pool,
  location: string,
  now = Date.now(),
): Promise<void> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw storeUnavailable(location, error)
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      await client.query('BEGIN')
      await client.query(MIGRATIONS_TABLE_SQL)
      const row = await first<{ version: number }>(
        client,
        'SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations',
      )
      const version = Number(row?.version ?? 0)
      if (version > LATEST_SCHEMA_VERSION) throw schemaTooNew(version, location)
      for (const migration of migrationsFor('postgres')) {
        if (migration.version <= version) continue
        try {
          await client.query(migration.sql)
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, now],
          )
        } catch (error) {
          throw migrationFailed(migration.version, location, error)
        }
      }
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
    }
  } catch (error) {
    client.release(true)
    if (error instanceof WardenError) throw error
    throw migrationFailed(LATEST_SCHEMA_VERSION, location, error)
  }
  client.release()
}
