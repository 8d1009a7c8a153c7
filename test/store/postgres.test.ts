import { afterAll } from 'vitest'
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations/schema.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { storeContract, type StoreHarness } from './contract.js'
import { vaultContract } from './vault-contract.js'
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-database.js'

describePostgres('PostgreSQL', () => {
  let database: TestDatabase | undefined
  afterAll(async () => {
    await database?.drop()
  })

  async function openPostgresHarness(): Promise<StoreHarness> {
    // One database per file (creating one costs ~0.5 s); each test starts from empty tables.
    database ??= await createTestDatabase()
    const { url } = database
    const opened: Store[] = []
    const open = async (): Promise<Store> => {
      const store = await openStore(url)
      opened.push(store)
      return store
    }
    const store = await open()
    await database.truncate()
    return {
      store,
      reopen: open,
      async setSchemaVersion(version) {
        await database?.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)',
          [version, 'from the future'],
        )
      },
      async cleanup() {
        for (const each of opened) await each.close()
        await database?.query('DELETE FROM schema_migrations WHERE version > $1', [
          LATEST_SCHEMA_VERSION,
        ])
      },
    }
  }

  storeContract('PostgreSQL', openPostgresHarness)
  vaultContract('PostgreSQL', openPostgresHarness)
})
