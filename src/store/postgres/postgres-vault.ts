import {
  CREDENTIAL_COLUMNS,
  credentialFromRow,
  credentialValues,
  resealMismatch,
  type CredentialRow,
} from '../migrations/vault-rows.js'
import type { Store } from '../store.js'
import { all, first, type PgContext } from './postgres-context.js'

type VaultMethods = Pick<
  Store,
  'putCredential' | 'getCredential' | 'listCredentials' | 'deleteCredential' | 'resealCredentials'
>

export function postgresVaultMethods(ctx: PgContext): VaultMethods {
  const { pool } = ctx
  return {
    async putCredential(credential) {
      // Replacing keeps the first created_at: the record is the same service, re-keyed.
      await pool.query(
        `INSERT INTO vault_credentials (${CREDENTIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name) DO UPDATE SET auth_type = excluded.auth_type,
           header = excluded.header, allowed_hosts = excluded.allowed_hosts,
           description = excluded.description, encrypted_secret = excluded.encrypted_secret,
           updated_at = excluded.updated_at`,
        credentialValues(credential),
      )
    },

    async getCredential(name) {
      const row = await first<CredentialRow>(
        pool,
        'SELECT * FROM vault_credentials WHERE name = $1',
        [name],
      )
      return row === undefined ? undefined : credentialFromRow(row)
    },

    async listCredentials() {
      const rows = await all<CredentialRow>(pool, 'SELECT * FROM vault_credentials ORDER BY name')
      return rows.map(credentialFromRow)
    },

    async deleteCredential(name) {
      const result = await pool.query('DELETE FROM vault_credentials WHERE name = $1', [name])
      return (result.rowCount ?? 0) > 0
    },

    async resealCredentials(sealed) {
      await ctx.write(async (client) => {
        // The table lock keeps a concurrent add or delete out until the new secrets commit.
        await client.query('LOCK TABLE vault_credentials IN EXCLUSIVE MODE')
        const row = await first<{ count: string }>(
          client,
          'SELECT COUNT(*) AS count FROM vault_credentials',
        )
        const count = Number(row?.count ?? 0)
        if (count !== new Set(sealed.map((each) => each.name)).size) {
          throw resealMismatch(count, sealed.length)
        }
        for (const each of sealed) {
          const result = await client.query(
            'UPDATE vault_credentials SET encrypted_secret = $1 WHERE name = $2',
            [each.encrypted_secret, each.name],
          )
          if (result.rowCount !== 1) throw resealMismatch(count, sealed.length)
        }
      })
    },
  }
}
