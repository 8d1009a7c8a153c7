import { Option, type Command } from 'commander'
import { WardenError } from '../errors.js'
import { startApprovalServer } from '../approval/http/start-approval-server.js'
import { durationFlag, shutdownGraceSchema } from '../mcp/proxy/proxy-config-schema.js'
import { createLogger, type LogFormat, type LogLevel } from '../observability/logger.js'
import {
  parseAdminAddress,
  parseLogFormat,
  parseLogLevel,
} from '../observability/operator-flags.js'
import { usage } from './proxy.js'

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
  admin?: { host: string; port: number }
  shutdownGrace: number
  logLevel: LogLevel
  logFormat: LogFormat
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
    .addOption(
      new Option('--admin <host:port>', 'serve /metrics, /healthz and /readyz here')
        .env('WARDEN_ADMIN')
        .argParser(usage(parseAdminAddress)),
    )
    .addOption(
      new Option(
        '--shutdown-grace <duration>',
        'on SIGTERM/SIGINT, let requests in flight finish this long',
      )
        .env('WARDEN_SHUTDOWN_GRACE')
        .default(30_000, '30s')
        .argParser(usage(parseGrace)),
    )
    .addOption(
      new Option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent')
        .env('WARDEN_LOG_LEVEL')
        .default('info')
        .argParser(usage(parseLogLevel)),
    )
    .addOption(
      new Option('--log-format <format>', 'text (default) or json (one pino object a line)')
        .env('WARDEN_LOG_FORMAT')
        .default('text')
        .argParser(usage(parseLogFormat)),
    )
    .action(async (options: ServeOptions) => {
      process.exitCode = await serve(options)
    })
}

async function serve(options: ServeOptions): Promise<number> {
  const err = (text: string) => void process.stderr.write(`${text}\n`)
  const logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    prefix: 'warden serve: ',
    name: 'warden serve',
  })
  // Listening before start-up: a signal that arrives meanwhile stops the server once it runs.
  let onSignal!: (signal: NodeJS.Signals) => void
  const signalled = new Promise<NodeJS.Signals>((done) => (onSignal = done))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const unlisten = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
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
      ...(options.admin ? { admin: options.admin } : {}),
      shutdownGraceMs: options.shutdownGrace,
      logger,
      vaultLog: (line) => logger.info(line),
      onSideEffectError: (error) => logger.warn((error as Error).message),
    })
  } catch (error) {
    const message = (error as Error).message.replace(/\s*\n\s*/g, '; ')
    err(`warden serve: ${message}${error instanceof WardenError ? ` (${error.code})` : ''}`)
    unlisten()
    return error instanceof WardenError && error.code !== 'ERR_INTERNAL' ? 2 : 1
  }
  const { service } = running
  logger.info(`store ${running.store.location}`)
  logger.info(`listening on ${running.url}`)
  if (running.adminUrl)
    logger.info(`admin listener on ${running.adminUrl} (/metrics, /healthz, /readyz)`)
  logger.info(`inbox ${service.publicUrl}/`)
  if ((await running.store.listApprovers()).length === 0) {
    const first = await service.createApprover({ name: 'admin', role: 'admin' })
    err('')
    err('No approver yet. Open this one-time link (valid 24 h) to enrol the first approver,')
    err('with a passkey (Face ID, Touch ID, Windows Hello) or an authenticator app:')
    err(`  ${first.enrolment_url}`)
    err('')
  }
  const signal = await signalled
  unlisten()
  logger.info(`${signal}: shutting down; requests in flight may finish`)
  const { drained } = await running.shutdown()
  logger.info(drained ? 'stopped' : 'stopped; requests still in flight were cut off')
  return 0
}

function parseGrace(text: string): number {
  const parsed = shutdownGraceSchema.safeParse(durationFlag(text))
  if (!parsed.success) throw new Error(`--shutdown-grace: ${parsed.error.issues[0]!.message}`)
  return parsed.data
}
