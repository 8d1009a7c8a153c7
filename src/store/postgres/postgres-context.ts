import type pg from 'pg'

/** A pool or one of its clients: anything a query can run on. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>
}

export async function all<R>(db: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query(text, values)).rows as R[]
}

export async function first<R>(
  db: Queryable,
  text: string,
  values: unknown[] = [],
): Promise<R | undefined> {
  return (await all<R>(db, text, values))[0]
}

/** What every PostgreSQL method module works with. */
export interface PgContext {
  readonly pool: pg.Pool
  /**
   * Runs `work` in one transaction on one pooled client. Every request id `work` pushes onto
   * `changed` is NOTIFYed inside the transaction (so other instances hear of it only if it
   * commits) and announced to this instance's listeners after COMMIT.
   */
  write<T>(work: (client: pg.PoolClient, changed: string[]) => Promise<T>): Promise<T>
}

export const CHANGE_CHANNEL = 'warden_request_changed'

export function createPgContext(
  pool: pg.Pool,
  instance: string,
  announce: (id: string) => void,
): PgContext {
  return {
    pool,
    async write<T>(work: (client: pg.PoolClient, changed: string[]) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      const changed: string[] = []
      let result: T
      try {
        await client.query('BEGIN')
        result = await work(client, changed)
        const ids = [...new Set(changed)]
        if (ids.length > 0) {
          // The payload names this instance so its own listener skips what it already announced.
          await client.query(
            `SELECT pg_notify($1, $2 || ':' || id) FROM unnest($3::text[]) AS id`,
            [CHANGE_CHANNEL, instance, ids],
          )
        }
        await client.query('COMMIT')
      } catch (error) {
        try {
          await client.query('ROLLBACK')
          client.release()
        } catch (rollbackError) {
          client.release(rollbackError as Error)
        }
        throw error
      }
      client.release()
      for (const id of new Set(changed)) announce(id)
      return result
    },
  }
}
