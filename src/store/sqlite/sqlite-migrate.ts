import type Database from 'better-sqlite3'
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE_SQL, migrationsFor } from '../migrations/schema.js'
import { migrationFailed, schemaTooNew } from '../migrations/store-errors.js'

/**
 * Brings the schema to LATEST_SCHEMA_VERSION: every numbered migration not yet recorded in
 * schema_migrations, in order, in one IMMEDIATE transaction (a second process waits, then
 * finds nothing to do). Refuses a database a newer warden has migrated.
 */
export function migrateSqlite(db: Database.Database, location: string, now = Date.now()): void {
  db.transaction(() => {
    db.exec(MIGRATIONS_TABLE_SQL)
    const { version } = db
      .prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations')
      .get() as { version: number }
    if (version > LATEST_SCHEMA_VERSION) throw schemaTooNew(version, location)
    const record = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    )
    for (const migration of migrationsFor('sqlite')) {
      if (migration.version <= version) continue
      try {
        db.exec(migration.sql)
        record.run(migration.version, migration.name, now)
      } catch (error) {
        throw migrationFailed(migration.version, location, error)
      }
    }
  }).immediate()
}
