import Database from 'better-sqlite3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { storeContract, type StoreHarness } from './contract.js'
import { vaultContract } from './vault-contract.js'

async function openSqliteHarness(): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-store-'))
  const file = join(dir, 'warden.db')
  const opened: Store[] = []
  const open = async (): Promise<Store> => {
    const store = await openStore(`sqlite:${file}`)
    opened.push(store)
    return store
  }
  return {
    store: await open(),
    reopen: open,
    async setSchemaVersion(version) {
      const db = new Database(file)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        version,
        'from the future',
        0,
      )
      db.close()
    },
    async cleanup() {
      for (const store of opened) await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

storeContract('SQLite', openSqliteHarness)
vaultContract('SQLite', openSqliteHarness)
