import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretBox, loadSecretKey } from '../../../src/approval/secret-box.js'

const key = new Uint8Array(32).fill(7)

function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('createSecretBox', () => {
  const box = createSecretBox(key)

  it('opens what it sealed, with the same purpose', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXPJBSWY3DP', 'totp:apv_1')
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(sealed).not.toContain('JBSWY3DP')
    expect(box.open(sealed, 'totp:apv_1')).toBe('JBSWY3DPEHPK3PXPJBSWY3DP')
  })

  it('seals the same text differently each time (random IV)', () => {
    expect(box.seal('x', 'a')).not.toBe(box.seal('x', 'a'))
  })

  it('refuses another purpose (aad)', () => {
    const sealed = box.seal('secret', 'totp:apv_1')
    expect(codeOf(() => box.open(sealed, 'totp:apv_2'))).toBe('ERR_SECRET_UNREADABLE')
  })

  it('refuses another key', () => {
    const sealed = box.seal('secret', 'a')
    const other = createSecretBox(new Uint8Array(32).fill(8))
    expect(codeOf(() => other.open(sealed, 'a'))).toBe('ERR_SECRET_UNREADABLE')
  })

  it('refuses a tampered IV, tag or ciphertext, and malformed values', () => {
    const sealed = box.seal('secret value', 'a')
    const parts = sealed.split('.')
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url')
      bytes[0]! ^= 1
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part))
      expect(codeOf(() => box.open(tampered.join('.'), 'a'))).toBe('ERR_SECRET_UNREADABLE')
    }
    for (const bad of ['', 'v2.a.b.c', 'v1.a.b', parts.slice(0, 3).join('.') + '.']) {
      expect(codeOf(() => box.open(bad, 'a'))).toBe('ERR_SECRET_UNREADABLE')
    }
  })

  it('refuses a key that is not 32 bytes', () => {
    expect(codeOf(() => createSecretBox(new Uint8Array(16)))).toBe('ERR_SECRET_KEY_INVALID')
  })
})

describe('loadSecretKey', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-key-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates a 32-byte key file with mode 0600 in a 0700 directory, then reads it back', async () => {
    const file = join(dir, 'state', 'secret.key')
    const created = await loadSecretKey({ envVar: 'WARDEN_SECRET_KEY', file, env: {} })
    expect(created.byteLength).toBe(32)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o700)
    expect(Buffer.from(await readFile(file)).equals(Buffer.from(created))).toBe(true)
    const again = await loadSecretKey({ envVar: 'WARDEN_SECRET_KEY', file, env: {} })
    expect(Buffer.from(again).equals(Buffer.from(created))).toBe(true)
  })

  it('prefers the environment variable, as hex, base64 or base64url', async () => {
    const file = join(dir, 'secret.key')
    const bytes = Buffer.alloc(32, 0xfb)
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
    ]) {
      const loaded = await loadSecretKey({ envVar: 'K', file, env: { K: text } })
      expect(Buffer.from(loaded).equals(bytes)).toBe(true)
    }
    await expect(stat(file)).rejects.toThrow()
  })

  it('reads a key file holding base64 text', async () => {
    const file = join(dir, 'secret.key')
    const bytes = Buffer.alloc(32, 3)
    await writeFile(file, bytes.toString('base64') + '\n', { mode: 0o600 })
    const loaded = await loadSecretKey({ envVar: 'K', file, env: {} })
    expect(Buffer.from(loaded).equals(bytes)).toBe(true)
  })

  it('refuses a key of the wrong length', async () => {
    const file = join(dir, 'secret.key')
    await expect(
      loadSecretKey({ envVar: 'K', file, env: { K: Buffer.alloc(16).toString('hex') } }),
    ).rejects.toMatchObject({ code: 'ERR_SECRET_KEY_INVALID' })
    await writeFile(file, 'not a key')
    await expect(loadSecretKey({ envVar: 'K', file, env: {} })).rejects.toMatchObject({
      code: 'ERR_SECRET_KEY_INVALID',
    })
  })
})
