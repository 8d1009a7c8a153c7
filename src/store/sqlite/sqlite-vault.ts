import {
  CREDENTIAL_COLUMNS,
  credentialFromRow,
  credentialValues,
  resealMismatch,
  type CredentialRow,
} from '../migrations/vault-rows.js'
import type { Store } from '../store.js'
import type { SqliteContext } from './sqlite-context.js'

type VaultMethods = Pick<
  Store,
  'putCredential' | 'getCredential' | 'listCredentials' | 'deleteCredential' | 'resealCredentials'
>

export function sqliteVaultMethods(ctx: SqliteContext): VaultMethods {
  return {
    async putCredential(credential) {
      // Replacing keeps the first created_at: the record is the same service, re-keyed.
      ctx
        .sql(
          `INSERT INTO vault_credentials (${CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET auth_type = excluded.auth_type,
             header = excluded.header, allowed_hosts = excluded.allowed_hosts,
             description = excluded.description, encrypted_secret = excluded.encrypted_secret,
             updated_at = excluded.updated_at`,
        )
        .run(...credentialValues(credential))
    },

    async getCredential(name) {
      const row = ctx.sql('SELECT * FROM vault_credentials WHERE name = ?').get(name) as
        CredentialRow | undefined
      return row === undefined ? undefined : credentialFromRow(row)
    },

    async listCredentials() {
      const rows = ctx.sql('SELECT * FROM vault_credentials ORDER BY name').all() as CredentialRow[]
      return rows.map(credentialFromRow)
    },

    async deleteCredential(name) {
      return ctx.sql('DELETE FROM vault_credentials WHERE name = ?').run(name).changes > 0
    },

    async resealCredentials(sealed) {
      ctx.write(() => {
        const { count } = ctx.sql('SELECT COUNT(*) AS count FROM vault_credentials').get() as {
          count: number
        }
        if (count !== new Set(sealed.map((each) => each.name)).size) {
          throw resealMismatch(count, sealed.length)
        }
        const update = ctx.sql('UPDATE vault_credentials SET encrypted_secret = ? WHERE name = ?')
        for (const each of sealed) {
          if (update.run(each.encrypted_secret, each.name).changes !== 1) {
            throw resealMismatch(count, sealed.length)
          }
        }
      })
    },
  }
}
