import { readFile, rm } from 'node:fs/promises'
import { createSecretBox } from '../approval/secret-box.js'
import type { Store } from '../store/store.js'
import { credentialAad, createVault } from './vault.js'
import {
  loadVaultKey,
  newVaultKey,
  replaceKeyFile,
  vaultKeyFile,
  vaultKeyFromEnv,
  writeKeyFile,
  type VaultKeySource,
} from './vault-key.js'

export interface VaultKeyRotation {
  /** Credentials resealed. */
  count: number
  /** The key file now holding the new key (file mode). */
  key_file?: string
  /** The new key, base64url, for the operator to put in WARDEN_VAULT_KEY (environment mode). */
  new_key?: string
  /** A rotation interrupted after its commit was completed instead of starting anew. */
  recovered?: boolean
}

/**
 * Generates a new vault key and reseals every credential under it in one transaction.
 * File mode: the new key is written to `<file>.next` (0600) first, the store commits, then
 * the file is renamed over the old one; a crash in between is finished by the next run.
 * Environment mode (WARDEN_VAULT_KEY set): the new key is returned for the operator to set.
 */
export async function rotateVaultKey(
  options: { store: Store } & VaultKeySource,
): Promise<VaultKeyRotation> {
  const { store } = options
  const oldKey = await loadVaultKey(options)
  const newKey = newVaultKey()
  if (vaultKeyFromEnv(options)) {
    const count = await createVault({ store, key: oldKey }).rekey(newKey)
    return { count, new_key: Buffer.from(newKey).toString('base64url') }
  }
  const file = vaultKeyFile(options)
  const next = `${file}.next`
  if (await finishedEarlier(store, next)) {
    await replaceKeyFile(next, file)
    return { count: (await store.listCredentials()).length, key_file: file, recovered: true }
  }
  await writeKeyFile(next, newKey)
  let count: number
  try {
    count = await createVault({ store, key: oldKey }).rekey(newKey)
  } catch (error) {
    await rm(next, { force: true })
    throw error
  }
  await replaceKeyFile(next, file)
  return { count, key_file: file }
}

/** True if `<file>.next` exists and already opens every stored credential (the store committed). */
async function finishedEarlier(store: Store, next: string): Promise<boolean> {
  let key: Buffer
  try {
    key = await readFile(next)
  } catch {
    return false
  }
  const credentials = await store.listCredentials()
  if (key.length !== 32 || credentials.length === 0) return false
  const box = createSecretBox(key)
  try {
    for (const each of credentials) box.open(each.encrypted_secret, credentialAad(each.name))
    return true
  } catch {
    return false
  }
}
