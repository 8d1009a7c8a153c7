import type Database from 'better-sqlite3'

/** What every SQLite method module works with. */
export interface SqliteContext {
  readonly db: Database.Database
  /** A prepared statement, compiled once per store. */
  sql(text: string): Database.Statement
  /**
   * Runs `work` inside BEGIN IMMEDIATE (the write lock is taken before the first read, so
   * a check and the write that follows it cannot interleave with another writer); after
   * COMMIT, announces every request id `work` pushed onto `changed`.
   */
  write<T>(work: (changed: string[]) => T): T
}

export function createSqliteContext(
  db: Database.Database,
  announce: (id: string) => void,
): SqliteContext {
  const statements = new Map<string, Database.Statement>()
  const sql = (text: string): Database.Statement => {
    let statement = statements.get(text)
    if (statement === undefined) {
      statement = db.prepare(text)
      statements.set(text, statement)
    }
    return statement
  }
  return {
    db,
    sql,
    write<T>(work: (changed: string[]) => T): T {
      const changed: string[] = []
      const result = db.transaction(() => work(changed)).immediate()
      for (const id of new Set(changed)) announce(id)
      return result
    },
  }
}
