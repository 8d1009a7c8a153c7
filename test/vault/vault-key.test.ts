import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretBox } from '../../src/approval/secret-box.js'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { openConfiguredVault, openVault } from '../../src/vault/open-vault.js'
import { rotateVaultKey } from '../../src/vault/rotate-vault-key.js'
import { loadVaultKey, writeKeyFile } from '../../src/vault/vault-key.js'
import { createVault, credentialAad } from '../../src/vault/vault.js'
import { SECRET } from './vault-fixtures.js'

const credential = (name = 'github', secret = SECRET) => ({
  name,
  auth_type: 'bearer' as const,
  allowed_hosts: ['api.github.com'],
  secret,
})

describe('vault key and sealed credentials', () => {
  let dir: string
  let dbFile: string
  let keyFile: string
  let store: Store

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-vault-key-'))
    dbFile = join(dir, 'warden.db')
    keyFile = join(dir, 'keys', 'vault.key')
    store = await openStore(`sqlite:${dbFile}`)
  })
  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const opens = (key: Uint8Array, name: string, sealed: string) => {
    try {
      return createSecretBox(key).open(sealed, credentialAad(name))
    } catch {
      return undefined
    }
  }

  it('creates the key file 0600 on first use; WARDEN_VAULT_KEY wins over it', async () => {
    expect(await openConfiguredVault({ store, keyFile, env: {} })).toBeUndefined()
    const key = await loadVaultKey({ file: keyFile, env: {} })
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700)
    expect(Buffer.from(await readFile(keyFile))).toEqual(Buffer.from(key))
    expect(await openConfiguredVault({ store, keyFile, env: {} })).toBeDefined()
    const fromEnv = randomBytes(32)
    const env = { WARDEN_VAULT_KEY: fromEnv.toString('base64url') }
    expect(Buffer.from(await loadVaultKey({ file: keyFile, env }))).toEqual(fromEnv)
    expect(await openConfiguredVault({ store, keyFile: join(dir, 'none.key'), env })).toBeDefined()
  })

  it('stores the secret sealed with AES-256-GCM, bound to the credential name', async () => {
    const key = await loadVaultKey({ file: keyFile, env: {} })
    const vault = createVault({ store, key })
    await vault.addCredential(credential('github'))
    await vault.addCredential(credential('slack', 'xoxb-other-secret-value'))
    const stored = (await store.getCredential('github'))!
    expect(stored.encrypted_secret).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/)
    expect(opens(key, 'github', stored.encrypted_secret)).toBe(SECRET)
    // Moved to another record, the sealed value does not open (its name is the AAD).
    expect(opens(key, 'slack', stored.encrypted_secret)).toBeUndefined()
    await store.putCredential({
      ...(await store.getCredential('slack'))!,
      encrypted_secret: stored.encrypted_secret,
    })
    const slackCall = {
      kind: 'vault_call',
      service: 'slack',
      method: 'GET',
      url: 'https://api.github.com/',
      headers: {},
      body: null,
    } as const
    // Refused already when the call is requested, so no approval is spent on it.
    await expect(vault.checkCall(slackCall)).rejects.toMatchObject({
      code: 'ERR_SECRET_UNREADABLE',
    })
    await expect(
      vault.execute(
        {
          kind: 'vault_call',
          service: 'slack',
          method: 'GET',
          url: 'https://api.github.com/',
          headers: {},
          body: null,
        },
        'apr_x',
      ),
    ).rejects.toMatchObject({ code: 'ERR_SECRET_UNREADABLE' })
    // Nowhere in the database file (or its WAL) is the secret in the clear.
    await store.close()
    for (const file of [dbFile, `${dbFile}-wal`]) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0))
      expect(bytes.includes(SECRET)).toBe(false)
    }
    store = await openStore(`sqlite:${dbFile}`)
  })

  it('lists names, auth types and hosts, never values; refuses a duplicate name', async () => {
    const vault = await openVault({ store, keyFile, env: {} })
    await vault.addCredential({ ...credential(), description: 'repo scope' })
    const listed = await vault.listServices()
    expect(listed).toEqual([
      {
        service_name: 'github',
        auth_type: 'bearer',
        allowed_hosts: ['api.github.com'],
        description: 'repo scope',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ])
    expect(JSON.stringify(listed)).not.toContain(SECRET)
    await expect(vault.addCredential(credential())).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: 'the vault already holds github; remove it first',
    })
    expect(await vault.removeCredential('github')).toBe(true)
    expect(await vault.listServices()).toEqual([])
  })

  it('validates credentials as the owner writes them', async () => {
    const vault = await openVault({ store, keyFile, env: {} })
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ name: 'has space' }, /^name: /],
      [{ secret: '' }, /^secret: is empty/],
      [{ secret: 'two\nlines' }, /^secret: .*line breaks/],
      [{ allowed_hosts: [] }, /^allowed_hosts: /],
      [{ allowed_hosts: ['https://api.github.com/'] }, /allowed host "https:\/\/api.github.com\/"/],
      [{ allowed_hosts: ['*.com'] }, /two labels/],
      [{ allowed_hosts: ['api.*.com'] }, /allowed host/],
      [{ auth_type: 'basic', secret: 'no-colon' }, /user:password/],
      [{ auth_type: 'header' }, /needs --header/],
      [{ auth_type: 'api_key', header: 'Host' }, /cannot carry a credential/],
      [{ auth_type: 'api_key', header: 'X Bad' }, /not a valid header name/],
      [{ auth_type: 'bearer', header: 'X-Api-Key' }, /go in Authorization/],
    ]
    for (const [change, why] of bad) {
      await expect(
        vault.addCredential({ ...credential(), ...change } as Parameters<
          typeof vault.addCredential
        >[0]),
        JSON.stringify(change),
      ).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID', message: why })
    }
    // Hosts are stored canonical: case, IDN, IPv4 spellings, default port.
    const added = await vault.addCredential({
      ...credential('canon'),
      allowed_hosts: [
        'API.GitHub.com',
        'bücher.example:443',
        '*.Example.org:8443',
        '2130706433:8443',
      ],
    })
    expect(added.allowed_hosts).toEqual([
      'api.github.com',
      'xn--bcher-kva.example',
      '*.example.org:8443',
      '127.0.0.1:8443',
    ])
  })

  it('rotates the key file: every record resealed in one transaction, then the file replaced', async () => {
    const before = await loadVaultKey({ file: keyFile, env: {} })
    const vault = createVault({ store, key: before })
    await vault.addCredential(credential('github'))
    await vault.addCredential(credential('slack', 'xoxb-other-secret-value'))
    const sealedBefore = (await store.listCredentials()).map((each) => each.encrypted_secret)

    const rotation = await rotateVaultKey({ store, file: keyFile, env: {} })
    expect(rotation).toEqual({ count: 2, key_file: keyFile })
    const after = new Uint8Array(await readFile(keyFile))
    expect(Buffer.from(after)).not.toEqual(Buffer.from(before))
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    await expect(stat(`${keyFile}.next`)).rejects.toMatchObject({ code: 'ENOENT' })
    const sealedAfter = await store.listCredentials()
    expect(sealedAfter.map((each) => each.encrypted_secret)).not.toContain(sealedBefore[0])
    for (const each of sealedAfter) {
      expect(opens(before, each.name, each.encrypted_secret)).toBeUndefined()
      expect(opens(after, each.name, each.encrypted_secret)).toBeDefined()
    }
    expect(opens(after, 'github', sealedAfter[0]!.encrypted_secret)).toBe(SECRET)
  })

  it('finishes a rotation that stopped between the commit and the rename', async () => {
    const before = await loadVaultKey({ file: keyFile, env: {} })
    await createVault({ store, key: before }).addCredential(credential())
    const next = new Uint8Array(randomBytes(32))
    await writeKeyFile(`${keyFile}.next`, next)
    await createVault({ store, key: before }).rekey(next)

    expect(await rotateVaultKey({ store, file: keyFile, env: {} })).toEqual({
      count: 1,
      key_file: keyFile,
      recovered: true,
    })
    expect(Buffer.from(await readFile(keyFile))).toEqual(Buffer.from(next))
    const sealed = (await store.getCredential('github'))!.encrypted_secret
    expect(opens(next, 'github', sealed)).toBe(SECRET)
  })

  it('with WARDEN_VAULT_KEY set, reseals and hands the new key back instead of writing a file', async () => {
    const old = randomBytes(32)
    const env = { WARDEN_VAULT_KEY: old.toString('base64') }
    await (await openVault({ store, keyFile, env })).addCredential(credential())
    const rotation = await rotateVaultKey({ store, file: keyFile, env })
    expect(rotation.count).toBe(1)
    expect(rotation.key_file).toBeUndefined()
    const fresh = Buffer.from(rotation.new_key!, 'base64url')
    expect(fresh).toHaveLength(32)
    await expect(stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' })
    const sealed = (await store.getCredential('github'))!.encrypted_secret
    expect(opens(new Uint8Array(fresh), 'github', sealed)).toBe(SECRET)
    expect(opens(new Uint8Array(old), 'github', sealed)).toBeUndefined()
  })

  it('leaves everything as it was when a record cannot be opened with the current key', async () => {
    const key = await loadVaultKey({ file: keyFile, env: {} })
    await createVault({ store, key }).addCredential(credential())
    await createVault({ store, key: new Uint8Array(randomBytes(32)) }).addCredential(
      credential('foreign'),
    )
    const sealed = (await store.listCredentials()).map((each) => each.encrypted_secret)
    await expect(rotateVaultKey({ store, file: keyFile, env: {} })).rejects.toMatchObject({
      code: 'ERR_SECRET_UNREADABLE',
    })
    expect((await store.listCredentials()).map((each) => each.encrypted_secret)).toEqual(sealed)
    expect(Buffer.from(await readFile(keyFile))).toEqual(Buffer.from(key))
    await expect(stat(`${keyFile}.next`)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('keeps the database readable by other tools: no plaintext column exists', async () => {
    const vault = await openVault({ store, keyFile, env: {} })
    await vault.addCredential(credential())
    const db = new Database(dbFile, { readonly: true })
    try {
      const columns = (
        db.prepare('PRAGMA table_info(vault_credentials)').all() as { name: string }[]
      ).map((column) => column.name)
      expect(columns).toEqual([
        'name',
        'auth_type',
        'header',
        'allowed_hosts',
        'description',
        'encrypted_secret',
        'created_at',
        'updated_at',
      ])
      const rows = db.prepare('SELECT * FROM vault_credentials').all()
      expect(JSON.stringify(rows)).not.toContain(SECRET)
    } finally {
      db.close()
    }
  })
})
