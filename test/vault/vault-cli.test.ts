import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { Command, CommanderError } from 'commander'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createProgram } from '../../src/cli/program.js'
import { registerVaultCommand } from '../../src/cli/vault.js'
import { openStore } from '../../src/store/open-store.js'
import { openVault } from '../../src/vault/open-vault.js'
import { readSecret } from '../../src/vault/read-secret.js'
import { SECRET } from './vault-fixtures.js'

interface Run {
  stdout: string
  stderr: string
  exitCode: number
}

describe('warden vault', () => {
  let dir: string
  let store: string
  let keyFile: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-vault-cli-'))
    store = `sqlite:${join(dir, 'warden.db')}`
    keyFile = join(dir, 'vault.key')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** `warden vault …` in-process, with `stdin` piped in and the environment given. */
  async function vault(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
    let stdout = ''
    let stderr = ''
    const program = new Command('warden').exitOverride()
    const command = registerVaultCommand(program, {
      out: (text) => void (stdout += text),
      err: (text) => void (stderr += text),
      stdin: () => Readable.from([Buffer.from(stdin)]),
      env,
    })
    const output = {
      writeErr: (text: string) => void (stderr += text),
      writeOut: (text: string) => void (stdout += text),
    }
    for (const each of [command, ...command.commands]) each.exitOverride().configureOutput(output)
    try {
      await program.parseAsync(['vault', ...args, '--store', store, '--vault-key-file', keyFile], {
        from: 'user',
      })
      return { stdout, stderr, exitCode: 0 }
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error
      return { stdout, stderr, exitCode: error.exitCode }
    }
  }

  it('is registered in the warden program', () => {
    const names = createProgram().commands.map((command) => command.name())
    expect(names).toContain('vault')
  })

  it('adds from stdin, lists without values, removes', async () => {
    const added = await vault(
      [
        'add',
        'github',
        '--auth',
        'bearer',
        '--hosts',
        'api.github.com, uploads.github.com',
        '--description',
        'repo scope',
      ],
      `${SECRET}\n`,
    )
    expect(added).toEqual({
      stdout: 'vault: github (bearer) may be sent to api.github.com, uploads.github.com\n',
      stderr: '',
      exitCode: 0,
    })
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    await vault(
      [
        'add',
        'stripe',
        '--auth',
        'api_key',
        '--header',
        'X-Stripe-Key',
        '--hosts',
        'api.stripe.com',
      ],
      'sk_live_other',
    )
    const listed = await vault(['list'])
    expect(listed.stdout).toBe(
      'github  bearer  api.github.com,uploads.github.com  repo scope\n' +
        'stripe  api_key(X-Stripe-Key)  api.stripe.com\n',
    )
    const json = await vault(['list', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject([
      { service_name: 'github' },
      { service_name: 'stripe' },
    ])
    for (const run of [added, listed, json]) expect(run.stdout + run.stderr).not.toContain(SECRET)

    // The trailing newline of the pipe is not part of the secret.
    const opened = await openStore(store)
    try {
      const target = await openVault({ store: opened, keyFile, env: {} })
      const header = await target.headerValueFor('github', new URL('https://api.github.com/'))
      expect(header).toBe(`Bearer ${SECRET}`)
    } finally {
      await opened.close()
    }

    expect((await vault(['rm', 'github'])).stdout).toBe('vault: removed github\n')
    const missing = await vault(['rm', 'github'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain(
      'the vault has no credential named github (ERR_CONFIG_INVALID)',
    )
    expect((await vault(['list'])).stdout).toBe('stripe  api_key(X-Stripe-Key)  api.stripe.com\n')
  })

  it('never takes the secret from the command line, and refuses an empty one', async () => {
    const argv = await vault([
      'add',
      'github',
      '--auth',
      'bearer',
      '--hosts',
      'api.github.com',
      '--secret',
      SECRET,
    ])
    expect(argv.exitCode).not.toBe(0)
    expect(argv.stderr).toContain("unknown option '--secret'")
    const empty = await vault(
      ['add', 'github', '--auth', 'bearer', '--hosts', 'api.github.com'],
      '',
    )
    expect(empty.exitCode).toBe(2)
    expect(empty.stderr).toContain('secret: nothing on stdin')
    const bad = await vault(
      ['add', 'github', '--auth', 'token', '--hosts', 'api.github.com'],
      SECRET,
    )
    expect(bad.exitCode).not.toBe(0)
    expect(bad.stderr).toContain('Allowed choices are bearer, api_key, basic, header')
    const host = await vault(
      ['add', 'github', '--auth', 'bearer', '--hosts', 'https://api.github.com'],
      SECRET,
    )
    expect(host.exitCode).toBe(2)
    expect(host.stderr).toContain('allowed host "https://api.github.com"')
  })

  it('rotates the key file, and prints a new key when WARDEN_VAULT_KEY is in use', async () => {
    await vault(['add', 'github', '--auth', 'bearer', '--hosts', 'api.github.com'], SECRET)
    const before = await readFile(keyFile)
    const rotated = await vault(['rotate-key'])
    expect(rotated.stdout).toBe(
      `vault: rotated the key; 1 credentials now sealed under ${keyFile}\n`,
    )
    expect(await readFile(keyFile)).not.toEqual(before)
    expect((await vault(['list'])).stdout).toContain('github')

    const envKey = randomBytes(32).toString('base64url')
    const env = { WARDEN_VAULT_KEY: envKey }
    await vault(['add', 'env-held', '--auth', 'bearer', '--hosts', 'api.github.com'], SECRET, env)
    // The store now holds credentials under two keys; rotation under the env key must refuse.
    const mixed = await vault(['rotate-key'], '', env)
    expect(mixed.exitCode).toBe(2)
    expect(mixed.stderr).toContain('ERR_SECRET_UNREADABLE')
    await vault(['rm', 'github'], '', env)
    const fromEnv = await vault(['rotate-key'], '', env)
    expect(fromEnv.exitCode).toBe(0)
    expect(fromEnv.stderr).toContain('WARDEN_VAULT_KEY is set')
    const newKey = fromEnv.stdout.trim()
    expect(Buffer.from(newKey, 'base64url')).toHaveLength(32)
    expect((await vault(['list'], '', { WARDEN_VAULT_KEY: newKey })).stdout).toContain('env-held')
  })
})

describe('reading the secret', () => {
  it('reads a typed line without echo from a terminal, with backspace', async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      modes: [] as boolean[],
      setRawMode(mode: boolean) {
        input.modes.push(mode)
      },
    })
    let prompt = ''
    const reading = readSecret(input, (text) => (prompt += text))
    input.write('s3cr')
    input.write('x\u007fet\r')
    expect(await reading).toBe('s3cret')
    expect(input.modes).toEqual([true, false])
    expect(prompt).toBe('Secret (not shown), then Enter: \n')
    expect(prompt).not.toContain('s3cret')
  })
})
