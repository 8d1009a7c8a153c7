import { closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import { WardenError } from '../../errors.js'
import { ChangeFeed } from '../migrations/change-feed.js'
import { ANY_REQUEST } from '../store.js'
import { storeUnavailable } from '../migrations/store-errors.js'
import { guardUnavailable, isSqliteUnavailable } from '../migrations/unavailable-guard.js'
import type { Store } from '../store.js'
import { sqliteAdminMethods } from './sqlite-admin.js'
import { sqliteApproverMethods } from './sqlite-approvers.js'
import { createSqliteContext } from './sqlite-context.js'
import { migrateSqlite } from './sqlite-migrate.js'
import { sqliteRequestMethods } from './sqlite-requests.js'
import { sqliteTokenMethods } from './sqlite-tokens.js'
import { sqliteTransitionMethods } from './sqlite-transitions.js'
import { sqliteVaultMethods } from './sqlite-vault.js'

export const SQLITE_MEMORY = ':memory:'

// Stores opened on the same file in this process wake each other's listeners.
const feedsByFile = new Map<string, Set<ChangeFeed>>()
const OTHER_PROCESS_CHECK_MS = 100

/**
 * Opens (creating it) the SQLite database at `file`, an absolute path or `:memory:`, and
 * migrates it. Changes are announced in-process only: instances in other processes sharing
 * the file are not woken (use PostgreSQL for several instances).
 */
export async function openSqliteStore(file: string): Promise<Store> {
  const location = `sqlite:${file}`
  let db: Database.Database
  try {
    // The file holds token hashes and sealed secrets: owner-only from the start.
    if (file !== SQLITE_MEMORY) closeSync(openSync(file, 'a', 0o600))
    db = new Database(file)
  } catch (error) {
    throw storeUnavailable(location, error)
  }
  try {
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    if (file !== SQLITE_MEMORY) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    migrateSqlite(db, location)
  } catch (error) {
    db.close()
    throw error instanceof WardenError ? error : storeUnavailable(location, error)
  }

  const feed = new ChangeFeed()
  const peers = file === SQLITE_MEMORY ? new Set<ChangeFeed>() : sharedPeers(file)
  peers.add(feed)
  const ctx = createSqliteContext(db, (id) => {
    for (const peer of [...peers]) peer.emit(id)
  })
  let closed = false
  // Another process's commit (`warden serve` beside a proxy) bumps data_version; ours do not.
  let otherProcesses: NodeJS.Timeout | undefined
  const watchOtherProcesses = (): void => {
    if (otherProcesses) return
    let seen = db.pragma('data_version', { simple: true }) as number
    otherProcesses = setInterval(() => {
      if (feed.size === 0 || closed) {
        clearInterval(otherProcesses)
        otherProcesses = undefined
        return
      }
      try {
        const now = db.pragma('data_version', { simple: true }) as number
        if (now !== seen) {
          seen = now
          feed.emit(ANY_REQUEST)
        }
      } catch {
        // A transient read error: the next tick tries again; waiters also re-read at their deadline.
      }
    }, OTHER_PROCESS_CHECK_MS)
    otherProcesses.unref()
  }

  const store: Store = {
    location,
    ...sqliteRequestMethods(ctx),
    ...sqliteTransitionMethods(ctx),
    ...sqliteApproverMethods(ctx),
    ...sqliteTokenMethods(ctx),
    ...sqliteAdminMethods(ctx),
    ...sqliteVaultMethods(ctx),
    onRequestChanged(listener) {
      const unsubscribe = feed.subscribe(listener)
      if (file !== SQLITE_MEMORY) watchOtherProcesses()
      return unsubscribe
    },
    async close() {
      if (closed) return
      closed = true
      if (otherProcesses) clearInterval(otherProcesses)
      feed.clear()
      peers.delete(feed)
      if (peers.size === 0) feedsByFile.delete(file)
      db.close()
    },
  }
  return guardUnavailable(store, location, isSqliteUnavailable)
}

function sharedPeers(file: string): Set<ChangeFeed> {
  let peers = feedsByFile.get(file)
  if (peers === undefined) {
    peers = new Set()
    feedsByFile.set(file, peers)
  }
  return peers
}
