import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { WardenError } from '../errors.js'
import { redactUrl, storeUnavailable } from './migrations/store-errors.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore, SQLITE_MEMORY } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/** Where the store lives when nothing says otherwise, relative to the working directory. */
export const DEFAULT_STORE_PATH = '.warden/warden.db'

export interface OpenStoreOptions {
  /** Base for relative SQLite paths; default process.cwd(). */
  cwd?: string
}

/**
 * Opens the store `url` names and migrates it: `sqlite:PATH`, `sqlite::memory:`, a bare
 * file path, or `postgres://…` / `postgresql://…`. Default `.warden/warden.db`; a SQLite
 * file's directory is created (mode 0700) if absent. Rejects with ERR_STORE_URL_INVALID,
 * ERR_STORE_UNAVAILABLE or ERR_STORE_MIGRATION_FAILED.
 */
export async function openStore(url?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const cwd = options.cwd ?? process.cwd()
  const target = storeTarget(url ?? DEFAULT_STORE_PATH)
  if (target.kind === 'postgres') return openPostgresStore(target.url)
  if (target.path === SQLITE_MEMORY) return openSqliteStore(SQLITE_MEMORY)
  const file = resolve(cwd, target.path)
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  } catch (error) {
    throw storeUnavailable(`sqlite:${file}`, error)
  }
  return openSqliteStore(file)
}

type StoreTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

/** What a store URL names, without touching it. */
export function storeTarget(url: string): StoreTarget {
  const trimmed = url.trim()
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: 'postgres', url: trimmed }
  if (/^sqlite:/i.test(trimmed)) {
    // sqlite:///abs/path is the URL form of sqlite:/abs/path.
    const path = trimmed.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw invalidUrl(url)
    return { kind: 'sqlite', path }
  }
  // Any other scheme is a mistake, not a file name; a Windows drive letter is a path.
  if (trimmed === '' || /^[a-z][a-z0-9+.-]+:/i.test(trimmed)) throw invalidUrl(url)
  return { kind: 'sqlite', path: trimmed }
}

function invalidUrl(url: string): WardenError {
  return new WardenError(
    'ERR_STORE_URL_INVALID',
    `store URL "${redactUrl(url)}" is not sqlite:PATH, sqlite::memory:, a file path or postgres://…`,
  )
}
