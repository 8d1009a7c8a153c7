import { WardenError } from '../../errors.js'
import type { Store } from '../store.js'

/**
 * Wraps every method so a failure to reach the database (as `isUnavailable` tells it from
 * the driver's error) surfaces as ERR_STORE_UNAVAILABLE naming `location`; any other error
 * passes through unchanged.
 */
export function guardUnavailable(
  store: Store,
  location: string,
  isUnavailable: (error: unknown) => boolean,
): Store {
  const guarded: Record<string, unknown> = { ...store }
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || name === 'onRequestChanged' || name === 'close') continue
    const method = value as (...args: unknown[]) => Promise<unknown>
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await method(...args)
      } catch (error) {
        if (error instanceof WardenError || !isUnavailable(error)) throw error
        const reason = error instanceof Error ? error.message : String(error)
        throw new WardenError(
          'ERR_STORE_UNAVAILABLE',
          `the store ${location} is unavailable: ${reason}`,
          {
            cause: error,
          },
        )
      }
    }
  }
  return guarded as unknown as Store
}

/**
 * Node network errors, and PostgreSQL's connection (08), shutdown (57P), resource (53),
 * authentication (28) and missing-database (3D000) errors.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') {
    return error instanceof Error && /Connection terminated|timeout exceeded/i.test(error.message)
  }
  return /^(E[A-Z]+|08...|57P0[1-3]|53...|28...|3D000)$/.test(code)
}

/** SQLite cannot get the lock in time, cannot read or write the file, or the disk is full. */
export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return (
    typeof code === 'string' &&
    /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOTADB|CORRUPT)/.test(code)
  )
}
