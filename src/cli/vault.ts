import { Command, InvalidArgumentError, Option } from 'commander'
import { WardenError } from '../errors.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { AUTH_TYPES, type CredentialInput } from '../vault/credential-input.js'
import { openVault } from '../vault/open-vault.js'
import { readSecret, type SecretInput } from '../vault/read-secret.js'
import { rotateVaultKey } from '../vault/rotate-vault-key.js'
import { DEFAULT_VAULT_KEY_FILE, VAULT_KEY_ENV } from '../vault/vault-key.js'
import type { Vault } from '../vault/vault.js'

/** Where the command reads and writes; tests pass their own. */
export interface VaultCommandIo {
  out(text: string): void
  err(text: string): void
  stdin(): SecretInput
  env: NodeJS.ProcessEnv
}

const processIo: VaultCommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdin: () => process.stdin,
  env: process.env,
}

interface VaultOptions {
  store?: string
  vaultKeyFile: string
}

interface AddOptions extends VaultOptions {
  auth: CredentialInput['auth_type']
  header?: string
  hosts: string[]
  description?: string
  replace?: boolean
}

/** `warden vault add|list|rm|rotate-key`: third-party credentials agents use without holding them. */
export function registerVaultCommand(program: Command, io: VaultCommandIo = processIo): Command {
  const vault = program
    .command('vault')
    .description('Store API credentials the approval service injects after approval')
  const withVault = (command: Command) =>
    command
      .addOption(new Option('--store <url>', 'sqlite:PATH or postgres://…').env('WARDEN_STORE'))
      .addOption(
        new Option('--vault-key-file <path>', `vault key, unless ${VAULT_KEY_ENV} is set`).default(
          DEFAULT_VAULT_KEY_FILE,
        ),
      )

  withVault(vault.command('add').argument('<name>', 'service name, e.g. github'))
    .description('Add a credential; the secret is read from stdin, never from the command line')
    .addOption(
      new Option('--auth <type>', 'how the secret is sent')
        .choices([...AUTH_TYPES])
        .makeOptionMandatory(),
    )
    .option('--header <name>', 'the header for api_key (default X-Api-Key) or header credentials')
    .requiredOption(
      '--hosts <hosts>',
      'allowed hosts, comma-separated: api.github.com,*.example.com',
      hostList,
    )
    .option('--description <text>', 'what the credential is for (shown to agents)')
    .option('--replace', 'replace a credential of the same name')
    .action((name: string, options: AddOptions, command: Command) =>
      withOpenVault(command, options, io, async (opened) => {
        const secret = await readSecret(io.stdin(), io.err)
        const added = await opened.addCredential(
          {
            name,
            auth_type: options.auth,
            ...(options.header !== undefined ? { header: options.header } : {}),
            allowed_hosts: options.hosts,
            ...(options.description !== undefined ? { description: options.description } : {}),
            secret,
          },
          { replace: options.replace === true },
        )
        io.out(
          `vault: ${added.service_name} (${added.auth_type}) may be sent to ${added.allowed_hosts.join(', ')}\n`,
        )
      }),
    )

  withVault(vault.command('list'))
    .description('List credentials: names, auth types and hosts, never the secrets')
    .option('--json', 'print JSON')
    .action((options: VaultOptions & { json?: boolean }, command: Command) =>
      withOpenVault(command, options, io, async (opened) => {
        const services = await opened.listServices()
        if (options.json) return io.out(`${JSON.stringify(services, null, 2)}\n`)
        if (services.length === 0) return io.out('vault: no credentials\n')
        for (const each of services) {
          const auth = each.header ? `${each.auth_type}(${each.header})` : each.auth_type
          const about = each.description ? `  ${each.description}` : ''
          io.out(`${each.service_name}  ${auth}  ${each.allowed_hosts.join(',')}${about}\n`)
        }
      }),
    )

  withVault(vault.command('rm').argument('<name>'))
    .description('Remove a credential')
    .action((name: string, options: VaultOptions, command: Command) =>
      withOpenVault(command, options, io, async (opened) => {
        if (!(await opened.removeCredential(name))) {
          throw new WardenError('ERR_CONFIG_INVALID', `the vault has no credential named ${name}`)
        }
        io.out(`vault: removed ${name}\n`)
      }),
    )

  withVault(vault.command('rotate-key'))
    .description('Generate a new vault key and re-encrypt every credential under it')
    .action((options: VaultOptions, command: Command) =>
      withStore(command, options, async (store) => {
        const rotation = await rotateVaultKey({ store, file: options.vaultKeyFile, env: io.env })
        if (rotation.new_key !== undefined) {
          io.err(
            `vault: ${rotation.count} credentials resealed. ${VAULT_KEY_ENV} is set, so no file ` +
              `was written: set ${VAULT_KEY_ENV} to the key below everywhere warden runs, then ` +
              'restart; the old key no longer opens them.\n',
          )
          io.out(`${rotation.new_key}\n`)
          return
        }
        const how = rotation.recovered ? 'finished an interrupted rotation' : 'rotated the key'
        io.out(
          `vault: ${how}; ${rotation.count} credentials now sealed under ${rotation.key_file}\n`,
        )
      }),
    )
  return vault
}

function hostList(value: string): string[] {
  const hosts = value
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '')
  if (hosts.length === 0) throw new InvalidArgumentError('name at least one host')
  return hosts
}

function withOpenVault(
  command: Command,
  options: VaultOptions,
  io: VaultCommandIo,
  action: (vault: Vault) => Promise<void>,
): Promise<void> {
  return withStore(command, options, async (store) =>
    action(await openVault({ store, keyFile: options.vaultKeyFile, env: io.env })),
  )
}

async function withStore(
  command: Command,
  options: VaultOptions,
  action: (store: Store) => Promise<void>,
): Promise<void> {
  let store: Store | undefined
  try {
    store = await openStore(options.store)
    await action(store)
  } catch (error) {
    if (!(error instanceof WardenError)) throw error
    command.error(`error: ${error.message} (${error.code})`, { exitCode: 2, code: error.code })
  } finally {
    await store?.close()
  }
}
