import { randomBytes } from 'node:crypto'
import { access, mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { loadSecretKey } from '../approval/secret-box.js'

/** The vault's key: separate from the service's secret key, so each can be rotated alone. */
export const VAULT_KEY_ENV = 'WARDEN_VAULT_KEY'
export const DEFAULT_VAULT_KEY_FILE = '.warden/vault.key'

export interface VaultKeySource {
  /** Key file used when WARDEN_VAULT_KEY is not set; default `.warden/vault.key`. */
  file?: string
  env?: NodeJS.ProcessEnv
}

export function vaultKeyFile(source: VaultKeySource): string {
  return resolve(source.file ?? DEFAULT_VAULT_KEY_FILE)
}

/** True when the key comes from the environment rather than the file. */
export function vaultKeyFromEnv(source: VaultKeySource): boolean {
  const value = (source.env ?? process.env)[VAULT_KEY_ENV]
  return value !== undefined && value.trim() !== ''
}

/** WARDEN_VAULT_KEY (base64/base64url/hex of 32 bytes), else the key file, created 0600 on first use. */
export function loadVaultKey(source: VaultKeySource = {}): Promise<Uint8Array> {
  return loadSecretKey({
    envVar: VAULT_KEY_ENV,
    file: vaultKeyFile(source),
    ...(source.env ? { env: source.env } : {}),
  })
}

/** Whether a vault key exists (environment or file) without creating one. */
export async function vaultKeyExists(source: VaultKeySource = {}): Promise<boolean> {
  if (vaultKeyFromEnv(source)) return true
  try {
    await access(vaultKeyFile(source))
    return true
  } catch {
    return false
  }
}

export function newVaultKey(): Uint8Array {
  return new Uint8Array(randomBytes(32))
}

/** Writes `key` to `file` (0600, flushed to disk); replaces what was there. */
export async function writeKeyFile(file: string, key: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await rm(file, { force: true })
  const handle = await open(file, 'wx', 0o600)
  try {
    await handle.writeFile(key)
    await handle.chmod(0o600)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Renames `from` over `to` in one step and flushes the directory, so a crash leaves one of the two. */
export async function replaceKeyFile(from: string, to: string): Promise<void> {
  await rename(from, to)
  const directory = await open(dirname(to), 'r')
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}
