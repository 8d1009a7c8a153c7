import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { WardenError } from '../errors.js'

/**
 * Encrypts small secrets (TOTP seeds, webhook secrets) at rest. `aad` names what the value is
 * for (`totp:apv_…`), so a sealed value copied to another row or purpose does not open.
 */
export interface SecretBox {
  seal(plaintext: string, aad: string): string
  open(sealed: string, aad: string): string
}

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const VERSION = 'v1'

/** AES-256-GCM (node:crypto); sealed form `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.byteLength !== KEY_BYTES) {
    throw new WardenError('ERR_SECRET_KEY_INVALID', `secret key must be ${KEY_BYTES} bytes`)
  }
  const secretKey = Buffer.from(key)
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', secretKey, iv)
      cipher.setAAD(Buffer.from(aad, 'utf8'))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [VERSION, ...[iv, tag, ciphertext].map((part) => part.toString('base64url'))].join('.')
    },
    open(sealed, aad) {
      const parts = sealed.split('.')
      if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable('not a sealed v1 value')
      const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'))
      if (iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) throw unreadable('malformed')
      try {
        const decipher = createDecipheriv('aes-256-gcm', secretKey, iv!, {
          authTagLength: TAG_BYTES,
        })
        decipher.setAAD(Buffer.from(aad, 'utf8'))
        decipher.setAuthTag(tag!)
        return Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString('utf8')
      } catch (error) {
        throw unreadable('wrong key, wrong purpose or tampered', error)
      }
    },
  }
}

/**
 * The service's secret key: the environment variable (base64, base64url or hex of 32 bytes)
 * wins; else the key file (32 raw bytes, or the same text forms); else a new random key is
 * written to the file (mode 0600, its directory 0700).
 */
export async function loadSecretKey(options: {
  envVar: string
  file: string
  env?: NodeJS.ProcessEnv
}): Promise<Uint8Array> {
  const fromEnv = (options.env ?? process.env)[options.envVar]
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return parseKeyText(fromEnv, `environment variable ${options.envVar}`)
  }
  const existing = await readKeyFile(options.file)
  if (existing) return existing
  await mkdir(dirname(options.file), { recursive: true, mode: 0o700 })
  const key = randomBytes(KEY_BYTES)
  try {
    // 'wx' fails if another process created the file first; then that key is the one to use.
    const handle = await open(options.file, 'wx', 0o600)
    try {
      await handle.writeFile(key)
      await handle.chmod(0o600)
    } finally {
      await handle.close()
    }
    return new Uint8Array(key)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const raced = await readKeyFile(options.file)
    if (!raced) throw new WardenError('ERR_SECRET_KEY_INVALID', `${options.file} is empty`)
    return raced
  }
}

async function readKeyFile(file: string): Promise<Uint8Array | undefined> {
  let content: Buffer
  try {
    content = await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (content.length === KEY_BYTES) return new Uint8Array(content)
  return parseKeyText(content.toString('utf8'), file)
}

function parseKeyText(text: string, source: string): Uint8Array {
  const value = text.trim()
  let key: Buffer | undefined
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex')
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) key = Buffer.from(value, 'base64')
  if (!key || key.length !== KEY_BYTES) {
    throw new WardenError(
      'ERR_SECRET_KEY_INVALID',
      `${source} must hold ${KEY_BYTES} bytes as base64, base64url or hex`,
    )
  }
  return new Uint8Array(key)
}

function unreadable(why: string, cause?: unknown): WardenError {
  return new WardenError(
    'ERR_SECRET_UNREADABLE',
    `sealed secret cannot be opened: ${why}`,
    cause === undefined ? undefined : { cause },
  )
}
