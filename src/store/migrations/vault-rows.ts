import { WardenError } from '../../errors.js'
import type { VaultCredential } from '../store.js'
import { iso, ms, present, type Ms, type Opt } from './row-values.js'

export interface CredentialRow {
  name: string
  auth_type: string
  header: Opt<string>
  allowed_hosts: string
  description: Opt<string>
  encrypted_secret: string
  created_at: Ms
  updated_at: Ms
}

export function credentialFromRow(row: CredentialRow): VaultCredential {
  return {
    name: row.name,
    auth_type: row.auth_type as VaultCredential['auth_type'],
    ...present({ header: row.header, description: row.description }),
    allowed_hosts: JSON.parse(row.allowed_hosts) as string[],
    encrypted_secret: row.encrypted_secret,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  }
}

/** The values of one credential row, in the column order of CREDENTIAL_COLUMNS. */
export function credentialValues(credential: VaultCredential): unknown[] {
  return [
    credential.name,
    credential.auth_type,
    credential.header ?? null,
    JSON.stringify(credential.allowed_hosts),
    credential.description ?? null,
    credential.encrypted_secret,
    ms(credential.created_at, 'created_at'),
    ms(credential.updated_at, 'updated_at'),
  ]
}

export const CREDENTIAL_COLUMNS =
  'name, auth_type, header, allowed_hosts, description, encrypted_secret, created_at, updated_at'

/** A rotation that does not cover exactly the stored credentials would strand some under the old key. */
export function resealMismatch(stored: number, given: number): WardenError {
  return new WardenError(
    'ERR_INTERNAL',
    `vault credentials changed during key rotation (${stored} stored, ${given} resealed); nothing was changed, run it again`,
  )
}
