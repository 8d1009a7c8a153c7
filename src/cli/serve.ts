import { Option, type Command } from 'commander'
import { WardenError } from '../errors.js'
import { startApprovalServer } from '../approval/http/start-approval-server.js'

interface ServeOptions {
  store?: string
  host: string
  port: number
  publicUrl?: string
  secretKeyFile?: string
  rules?: string[]
  timeZone?: string
  pushContact?: string
  vaultKeyFile?: string
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** `warden serve`: the approval service (agent API, approver inbox, webhooks). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the approval service: agent API, web inbox, passkey and TOTP approval')
    .addOption(
      new Option('--store <url>', 'sqlite:PATH or postgres://… (default .warden/warden.db)').env(
        'WARDEN_STORE',
      ),
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port to listen on')
        .default(8788)
        .env('WARDEN_PORT')
        .argParser((text) => Number(text)),
    )
    .addOption(
      new Option('--public-url <url>', 'where approvers reach the inbox (passkey origin)').env(
        'WARDEN_PUBLIC_URL',
      ),
    )
    .addOption(
      new Option('--secret-key-file <path>', 'key for secrets at rest (or WARDEN_SECRET_KEY)'),
    )
    .addOption(
      new Option('--rules <path>', 'approval rules file or folder (repeatable)').argParser(collect),
    )
    .addOption(new Option('--time-zone <zone>', 'IANA zone for spending windows').default('UTC'))
    .addOption(
      new Option(
        '--push-contact <mailto>',
        'contact for Web Push services (mailto: or https:)',
      ).env('WARDEN_PUSH_CONTACT'),
    )
    .addOption(
      new Option(
        '--vault-key-file <path>',
        'credential vault key, unless WARDEN_VAULT_KEY is set (default vault.key beside the secret key)',
      ).env('WARDEN_VAULT_KEY_FILE'),
    )
    .action(async (options: ServeOptions) => {
      process.exitCode = await serve(options)
    })
}

async function serve(options: ServeOptions): Promise<number> {
  const err = (text: string) => void process.stderr.write(`${text}\n`)
  let running: Awaited<ReturnType<typeof startApprovalServer>>
  try {
    running = await startApprovalServer({
      host: options.host,
      port: options.port,
      ...(options.store ? { store: options.store } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.secretKeyFile ? { secretKeyFile: options.secretKeyFile } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      ...(options.pushContact ? { pushContact: options.pushContact } : {}),
      ...(options.vaultKeyFile ? { vaultKeyFile: options.vaultKeyFile } : {}),
      vaultLog: (line) => err(`warden serve: ${line}`),
      onSideEffectError: (error) => err(`warden serve: ${(error as Error).message}`),
    })
  } catch (error) {
    err(
      `warden serve: ${(error as Error).message}${error instanceof WardenError ? ` (${error.code})` : ''}`,
    )
    return error instanceof WardenError && error.code !== 'ERR_INTERNAL' ? 2 : 1
  }
  const { service } = running
  err(`warden serve: store ${running.store.location}`)
  err(`warden serve: listening on ${running.url}`)
  err(`warden serve: inbox ${service.publicUrl}/`)
  if ((await running.store.listApprovers()).length === 0) {
    const first = await service.createApprover({ name: 'admin', role: 'admin' })
    err('')
    err('No approver yet. Open this one-time link (valid 24 h) to enrol the first approver,')
    err('with a passkey (Face ID, Touch ID, Windows Hello) or an authenticator app:')
    err(`  ${first.enrolment_url}`)
    err('')
  }
  const stopped = new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await stopped
  await running.close()
  return 0
}
