import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createApiKeyProvider,
  generateApiKey,
  type ApiKeyRecord,
} from '../../src/identity/api-key.js'
import {
  FileApiKeyStore,
  readApiKeysFile,
  writeApiKeysFile,
} from '../../src/identity/api-key-file.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-keys-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function record(extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const { hash, prefix } = generateApiKey()
  return {
    hash,
    prefix,
    user_id: 'alice',
    roles: ['reader'],
    created_at: '2025-01-01T00:00:00.000Z',
    ...extra,
  }
}

async function configError(promise: Promise<unknown>): Promise<IdentityConfigError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(IdentityConfigError)
  expect((error as IdentityConfigError).code).toBe('ERR_IDENTITY_CONFIG_INVALID')
  return error as IdentityConfigError
}

describe('the YAML keys file', () => {
  it('round-trips records and is written readable by its owner only (0600)', async () => {
    const path = join(dir, 'keys.yaml')
    const records = [
      record({ agent_id: 'claude', expires_at: '2026-01-01T00:00:00.000Z' }),
      record(),
    ]
    await writeApiKeysFile(path, records)
    expect(await readApiKeysFile(path)).toEqual(records)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('holds hashes and prefixes, never a key', async () => {
    const path = join(dir, 'keys.yaml')
    const generated = generateApiKey()
    await writeApiKeysFile(path, [{ ...record(), hash: generated.hash, prefix: generated.prefix }])
    const text = await readFile(path, 'utf8')
    expect(text).toContain(generated.hash)
    expect(text).not.toContain(generated.key)
  })

  it('reads a missing file as empty only when asked to', async () => {
    const path = join(dir, 'absent.yaml')
    expect(await readApiKeysFile(path, { missingOk: true })).toEqual([])
    await configError(readApiKeysFile(path))
  })

  it('names the YAML path of a bad record', async () => {
    const path = join(dir, 'keys.yaml')
    await writeFile(
      path,
      'keys:\n  - prefix: abcdefgh\n    hash: nothex\n    user_id: a\n    created_at: "2025-01-01T00:00:00Z"\n',
    )
    const error = await configError(readApiKeysFile(path))
    expect(error.field).toBe(`${path}:keys[0].hash`)
  })

  it('rejects a file that is not YAML', async () => {
    const path = join(dir, 'keys.yaml')
    await writeFile(path, 'keys: [unclosed\n')
    await configError(readApiKeysFile(path))
  })

  it('rejects two records with one hash', async () => {
    const path = join(dir, 'keys.yaml')
    const one = record()
    await writeApiKeysFile(path, [one, { ...one, prefix: 'zzzzzzzz' }])
    const error = await configError(readApiKeysFile(path))
    expect(error.field).toBe(`${path}:keys[1].hash`)
  })
})

describe('FileApiKeyStore', () => {
  it('sees a revocation written after it loaded, without a restart', async () => {
    const path = join(dir, 'keys.yaml')
    const one = record()
    await writeApiKeysFile(path, [one])
    const store = new FileApiKeyStore(path, { recheckMs: 0 })
    await store.load()
    expect((await store.lookup(one.hash))?.revoked_at).toBeUndefined()
    await writeApiKeysFile(path, [{ ...one, revoked_at: '2025-02-01T00:00:00.000Z' }])
    expect((await store.lookup(one.hash))?.revoked_at).toBe('2025-02-01T00:00:00.000Z')
  })

  it('lets a provider refuse a key revoked in the file after it accepted the key', async () => {
    const path = join(dir, 'keys.yaml')
    const generated = generateApiKey()
    const one = record({ hash: generated.hash, prefix: generated.prefix })
    await writeApiKeysFile(path, [one])
    const store = new FileApiKeyStore(path, { recheckMs: 0 })
    await store.load()
    const provider = createApiKeyProvider({ store })
    const request = { headers: { 'x-api-key': generated.key } }
    expect(await provider.authenticate(request)).toMatchObject({ roles: ['reader'] })
    await writeApiKeysFile(path, [{ ...one, roles: ['reader', 'writer'] }])
    expect(await provider.authenticate(request)).toMatchObject({ roles: ['reader', 'writer'] })
    await writeApiKeysFile(path, [{ ...one, revoked_at: '2025-02-01T00:00:00.000Z' }])
    await expect(provider.authenticate(request)).rejects.toMatchObject({
      code: 'ERR_API_KEY_REVOKED',
    })
  })

  it('holds no keys once the file is deleted', async () => {
    const path = join(dir, 'keys.yaml')
    const one = record()
    await writeApiKeysFile(path, [one])
    const store = new FileApiKeyStore(path, { recheckMs: 0 })
    await store.load()
    await rm(path)
    expect(await store.lookup(one.hash)).toBeUndefined()
  })

  it('fails to load a missing file at start-up', async () => {
    await configError(new FileApiKeyStore(join(dir, 'absent.yaml')).load())
  })

  it('fails closed when the file turns malformed', async () => {
    const path = join(dir, 'keys.yaml')
    const one = record()
    await writeApiKeysFile(path, [one])
    const store = new FileApiKeyStore(path, { recheckMs: 0 })
    await store.load()
    await writeFile(path, 'keys: 42\n')
    await configError(store.lookup(one.hash))
  })
})
