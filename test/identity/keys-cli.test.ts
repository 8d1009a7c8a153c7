import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerKeysCommand, type KeysCommandIo } from '../../src/cli/keys.js'
import { WardenError } from '../../src/errors.js'
import { createIdentityChain } from '../../src/identity/create-identity-chain.js'

let dir: string
let keysFile: string
let out: string
let err: string
let now: Date

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-keys-cli-'))
  keysFile = join(dir, 'keys.yaml')
  out = ''
  err = ''
  now = new Date()
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const io: KeysCommandIo = {
  out: (text) => void (out += text),
  err: (text) => void (err += text),
  now: () => now,
}

function program(): Command {
  const root = new Command('warden').exitOverride().configureOutput({
    writeOut: (text) => void (out += text),
    writeErr: (text) => void (err += text),
  })
  registerKeysCommand(root, io)
  return root
}

async function run(...args: string[]): Promise<void> {
  await program().parseAsync(args, { from: 'user' })
}

async function authenticate(key: string) {
  const chain = await createIdentityChain([{ type: 'api_key', keys_file: 'keys.yaml' }], {
    baseDir: dir,
  })
  return chain.authenticate({ headers: { 'x-api-key': key } })
}

async function createKey(...extra: string[]): Promise<string> {
  out = ''
  await run(
    'keys',
    'create',
    '--user',
    'alice',
    '--roles',
    'reader,auditor',
    '--keys-file',
    keysFile,
    ...extra,
  )
  return out.trim()
}

describe('warden keys', () => {
  it('creates a key, authenticates with it, revokes it, then rejects it (ERR_API_KEY_REVOKED)', async () => {
    const key = await createKey('--agent', 'claude')
    expect(key).toMatch(/^wk_[A-Za-z0-9_-]{43}$/)
    expect(await authenticate(key)).toMatchObject({
      user_id: 'alice',
      roles: ['reader', 'auditor'],
      agent_id: 'claude',
      method: 'api_key',
    })

    await run('keys', 'revoke', key.slice(0, 11), '--keys-file', keysFile)
    const error = await authenticate(key).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ERR_API_KEY_REVOKED')
  })

  it('prints the key once, on stdout only, and stores only its hash in a 0600 file', async () => {
    const key = await createKey()
    expect(err).not.toContain(key)
    expect(await readFile(keysFile, 'utf8')).not.toContain(key)
    expect((await stat(keysFile)).mode & 0o777).toBe(0o600)
  })

  it('lists keys by prefix with their status, never the key', async () => {
    const first = await createKey()
    const second = await createKey()
    await run('keys', 'revoke', second.slice(3, 11), '--keys-file', keysFile)
    out = ''
    await run('keys', 'list', '--keys-file', keysFile)
    expect(out).toContain(first.slice(0, 11))
    expect(out).not.toContain(first)
    expect(out).not.toContain(second)
    expect(out).toMatch(/active/)
    expect(out).toMatch(/revoked/)

    out = ''
    await run('keys', 'list', '--json', '--keys-file', keysFile)
    const rows = JSON.parse(out) as { prefix: string; status: string }[]
    expect(rows.map((row) => row.status)).toEqual(['active', 'revoked'])
    expect(rows[0]!.prefix).toBe(first.slice(0, 11))
  })

  it('sets an expiry from --expires and rejects the key once it has passed (ERR_API_KEY_EXPIRED)', async () => {
    now = new Date(Date.now() - 31 * 86_400_000)
    const key = await createKey('--expires', '30d')
    expect(await readFile(keysFile, 'utf8')).toContain(
      `expires_at: ${new Date(now.getTime() + 30 * 86_400_000).toISOString()}`,
    )
    const error = await authenticate(key).catch((thrown: unknown) => thrown)
    expect((error as WardenError).code).toBe('ERR_API_KEY_EXPIRED')
  })

  it.each(['12h', '90m'])('accepts --expires %s', async (lifetime) => {
    const key = await createKey('--expires', lifetime)
    expect((await authenticate(key)).user_id).toBe('alice')
  })

  it('refuses a malformed --expires', async () => {
    await expect(createKey('--expires', 'soon')).rejects.toBeInstanceOf(CommanderError)
    await expect(createKey('--expires', '0d')).rejects.toBeInstanceOf(CommanderError)
  })

  it('refuses to create a key without --user or --roles', async () => {
    await expect(
      run('keys', 'create', '--roles', 'a', '--keys-file', keysFile),
    ).rejects.toBeInstanceOf(CommanderError)
    await expect(
      run('keys', 'create', '--user', 'a', '--keys-file', keysFile),
    ).rejects.toBeInstanceOf(CommanderError)
  })

  it('fails revoking an unknown prefix with ERR_API_KEY_NOT_FOUND', async () => {
    await createKey()
    const error = await run('keys', 'revoke', 'wk_zzzzzzzz', '--keys-file', keysFile).catch(
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(CommanderError)
    expect((error as CommanderError).code).toBe('ERR_API_KEY_NOT_FOUND')
    expect((error as CommanderError).exitCode).toBe(2)
  })

  it('leaves a revoked key revoked when revoked again', async () => {
    const key = await createKey()
    await run('keys', 'revoke', key, '--keys-file', keysFile)
    const before = await readFile(keysFile, 'utf8')
    await run('keys', 'revoke', key, '--keys-file', keysFile)
    expect(await readFile(keysFile, 'utf8')).toBe(before)
  })

  it.each([['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke']])(
    'has --help on %s',
    async (...command) => {
      const error = await run(...command, '--help').catch((thrown: unknown) => thrown)
      expect((error as CommanderError).code).toBe('commander.helpDisplayed')
      expect(out).toMatch(/Usage: warden keys/)
    },
  )
})
