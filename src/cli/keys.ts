import { resolve } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { WardenError } from '../errors.js'
import { API_KEY_MARKER, generateApiKey, type ApiKeyRecord } from '../identity/api-key.js'
import { readApiKeysFile, writeApiKeysFile } from '../identity/api-key-file.js'
import { parseDuration } from '../identity/duration.js'

/** Where the command writes; tests capture it, the CLI uses stdout and stderr. */
export interface KeysCommandIo {
  out(text: string): void
  err(text: string): void
  now(): Date
}

const processIo: KeysCommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  now: () => new Date(),
}

const DEFAULT_KEYS_FILE = './keys.yaml'

/** `warden keys create|list|revoke`: API keys whose hashes live in a YAML keys file. */
export function registerKeysCommand(program: Command, io: KeysCommandIo = processIo): Command {
  const keys = program
    .command('keys')
    .description('Manage API keys (only their SHA-256 hashes are stored)')

  keys
    .command('create')
    .description('Create an API key bound to a user and roles; the key is printed once')
    .requiredOption('--user <user_id>', 'the user the key authenticates as')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. reader,auditor', parseRoles)
    .option('--agent <agent_id>', 'the agent the key is bound to')
    .option('--expires <duration>', 'lifetime: 90m, 12h, 30d', parseLifetime)
    .option('--keys-file <path>', 'YAML keys file', DEFAULT_KEYS_FILE)
    .action(async (options: CreateOptions, command: Command) => {
      await reportErrors(command, () => createKey(options, io))
    })

  keys
    .command('list')
    .description('List keys by prefix, with their bindings and status (never the keys)')
    .option('--keys-file <path>', 'YAML keys file', DEFAULT_KEYS_FILE)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { keysFile: string; json?: boolean }, command: Command) => {
      await reportErrors(command, () => listKeys(options, io))
    })

  keys
    .command('revoke')
    .description('Revoke a key by its prefix (as `keys list` shows it)')
    .argument('<prefix>', 'the key prefix, with or without wk_')
    .option('--keys-file <path>', 'YAML keys file', DEFAULT_KEYS_FILE)
    .action(async (prefix: string, options: { keysFile: string }, command: Command) => {
      await reportErrors(command, () => revokeKey(prefix, options, io))
    })

  return keys
}

interface CreateOptions {
  user: string
  roles: string[]
  agent?: string
  expires?: number
  keysFile: string
}

async function createKey(options: CreateOptions, io: KeysCommandIo): Promise<void> {
  const path = resolve(options.keysFile)
  const records = await readApiKeysFile(path, { missingOk: true })
  let generated = generateApiKey()
  // Prefixes name keys for revocation, so two keys never share one.
  while (records.some((record) => record.prefix === generated.prefix)) generated = generateApiKey()
  const now = io.now()
  const record: ApiKeyRecord = {
    hash: generated.hash,
    prefix: generated.prefix,
    user_id: options.user,
    ...(options.agent !== undefined ? { agent_id: options.agent } : {}),
    roles: options.roles,
    created_at: now.toISOString(),
    ...(options.expires !== undefined
      ? { expires_at: new Date(now.getTime() + options.expires).toISOString() }
      : {}),
  }
  await writeApiKeysFile(path, [...records, record])
  io.out(`${generated.key}\n`)
  io.err(
    `Created API key ${API_KEY_MARKER}${record.prefix} for ${record.user_id}` +
      ` (roles: ${record.roles.join(', ') || 'none'}` +
      `${record.agent_id ? `, agent: ${record.agent_id}` : ''}` +
      `${record.expires_at ? `, expires ${record.expires_at}` : ''}) in ${path}.\n` +
      'Store the key now: it is not shown again.\n',
  )
}

async function listKeys(
  options: { keysFile: string; json?: boolean },
  io: KeysCommandIo,
): Promise<void> {
  const records = await readApiKeysFile(resolve(options.keysFile), { missingOk: true })
  const now = io.now()
  const rows = records.map((record) => ({
    prefix: `${API_KEY_MARKER}${record.prefix}`,
    user_id: record.user_id,
    agent_id: record.agent_id ?? '',
    roles: record.roles.join(','),
    created_at: record.created_at,
    expires_at: record.expires_at ?? '',
    status: status(record, now),
  }))
  if (options.json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`)
    return
  }
  if (rows.length === 0) {
    io.out('No API keys.\n')
    return
  }
  const header = {
    prefix: 'PREFIX',
    user_id: 'USER',
    agent_id: 'AGENT',
    roles: 'ROLES',
    created_at: 'CREATED',
    expires_at: 'EXPIRES',
    status: 'STATUS',
  }
  const columns = Object.keys(header) as (keyof typeof header)[]
  const widths = columns.map((column) =>
    Math.max(...[header, ...rows].map((row) => row[column].length)),
  )
  for (const row of [header, ...rows]) {
    const cells = columns.map((column, index) => row[column].padEnd(widths[index]!))
    io.out(`${cells.join('  ').trimEnd()}\n`)
  }
}

async function revokeKey(
  prefixArgument: string,
  options: { keysFile: string },
  io: KeysCommandIo,
): Promise<void> {
  const path = resolve(options.keysFile)
  const records = await readApiKeysFile(path, { missingOk: true })
  const wanted = prefixArgument.trim().replace(/^wk_/, '').replace(/…$/, '')
  const matches = records.filter(
    (record) => wanted.length >= record.prefix.length && wanted.startsWith(record.prefix),
  )
  if (matches.length !== 1) {
    throw new WardenError('ERR_API_KEY_NOT_FOUND', `no API key has the prefix ${prefixArgument}`)
  }
  const target = matches[0]!
  if (target.revoked_at !== undefined) {
    io.err(
      `API key ${API_KEY_MARKER}${target.prefix} was already revoked at ${target.revoked_at}.\n`,
    )
    return
  }
  const revokedAt = io.now().toISOString()
  await writeApiKeysFile(
    path,
    records.map((record) => (record === target ? { ...record, revoked_at: revokedAt } : record)),
  )
  io.err(`Revoked API key ${API_KEY_MARKER}${target.prefix} (${target.user_id}).\n`)
}

function status(record: ApiKeyRecord, now: Date): string {
  if (record.revoked_at !== undefined) return 'revoked'
  if (record.expires_at !== undefined && Date.parse(record.expires_at) <= now.getTime()) {
    return 'expired'
  }
  return 'active'
}

function parseRoles(value: string): string[] {
  const roles = value.split(',').map((role) => role.trim())
  if (roles.some((role) => role === '')) {
    throw new InvalidArgumentError('expected comma-separated role names, e.g. reader,auditor')
  }
  return roles
}

function parseLifetime(value: string): number {
  const ms = parseDuration(value)
  if (ms === undefined || ms === 0) {
    throw new InvalidArgumentError('expected a duration such as 90m, 12h or 30d')
  }
  return ms
}

/** A WardenError becomes a one-line CLI error (exit 2: invalid input), not a stack trace. */
async function reportErrors(command: Command, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (error) {
    if (!(error instanceof WardenError)) throw error
    command.error(`error: ${error.message} (${error.code})`, { exitCode: 2, code: error.code })
  }
}
