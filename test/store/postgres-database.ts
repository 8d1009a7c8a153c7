import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, it } from 'vitest'

/** The server the PostgreSQL tests create their databases on (trust auth, user postgres). */
export const ADMIN_URL =
  process.env.WARDEN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** true, or why the server cannot be reached. */
export async function postgresReachable(): Promise<true | string> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => undefined)
  }
}

export interface TestDatabase {
  name: string
  url: string
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>
  /** Empties every table but schema_migrations (identity counters carry on). */
  truncate(): Promise<void>
  drop(): Promise<void>
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates `warden_test_<random>`; drop() removes it even while connections remain. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `warden_test_${randomBytes(6).toString('hex')}`
  await asAdmin(`CREATE DATABASE ${name}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 })
  pool.on('error', () => undefined)
  return {
    name,
    url: url.toString(),
    query: (text, values) => pool.query(text, values),
    async truncate() {
      // DELETE, not TRUNCATE: on tables this small it is ~100 times faster. Referencing
      // tables go first so no foreign key is in the way.
      const { rows } = await pool.query<{ tablename: string }>(
        `SELECT t.tablename FROM pg_tables t
         WHERE t.schemaname = 'public' AND t.tablename <> 'schema_migrations'
         ORDER BY EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.contype = 'f' AND c.conrelid = t.tablename::regclass) DESC`,
      )
      await pool.query(rows.map((row) => `DELETE FROM "${row.tablename}";`).join('\n'))
    },
    async drop() {
      if (pool.ended) return
      await pool.end()
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

const reachable = await postgresReachable()

/**
 * `describe` for tests that need PostgreSQL: skipped with a visible message when the server
 * is down, except under CI, where that is a failure.
 */
export function describePostgres(name: string, body: () => void): void {
  if (reachable === true) {
    describe(name, body)
    return
  }
  const message = `PostgreSQL at ${ADMIN_URL} is not reachable (${reachable})`
  if (process.env.CI) {
    describe(name, () => {
      it('reaches PostgreSQL', () => {
        throw new Error(message)
      })
    })
  } else {
    console.warn(`SKIPPED ${name}: ${message}`)
    describe.skip(name, body)
  }
}
