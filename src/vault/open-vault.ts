import { loadVaultKey, vaultKeyExists, type VaultKeySource } from './vault-key.js'
import { createVault, type Vault, type VaultOptions } from './vault.js'

export type OpenVaultOptions = Omit<VaultOptions, 'key'> & {
  /** Key file used when WARDEN_VAULT_KEY is not set; default `.warden/vault.key`. */
  keyFile?: string
  env?: NodeJS.ProcessEnv
}

function keySource(options: OpenVaultOptions): VaultKeySource {
  return {
    ...(options.keyFile !== undefined ? { file: options.keyFile } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  }
}

/** The vault over `store` with its key from WARDEN_VAULT_KEY or the key file (created 0600 if absent). */
export async function openVault(options: OpenVaultOptions): Promise<Vault> {
  const { keyFile: _file, env: _env, ...rest } = options
  return createVault({ ...rest, key: await loadVaultKey(keySource(options)) })
}

/** The vault if a key is configured (environment or an existing key file), else undefined. */
export async function openConfiguredVault(options: OpenVaultOptions): Promise<Vault | undefined> {
  return (await vaultKeyExists(keySource(options))) ? openVault(options) : undefined
}
