import { InvalidArgumentError, Option, type Command } from 'commander'
import { formatSourceIssue, PolicyLoadError, WardenError } from '../errors.js'
import { ConfigLoadError } from '../mcp/proxy/config-load-error.js'
import { loadProxyConfig } from '../mcp/proxy/load-proxy-config.js'
import { durationFlag } from '../mcp/proxy/proxy-config-schema.js'
import { flagOverrides, type ProxyFlags } from '../mcp/proxy/proxy-flags.js'
import type { DemoKey } from '../mcp/proxy/proxy-identity.js'
import { startProxy, type RunningProxy } from '../mcp/proxy/start-proxy.js'
import { AddressInUseError } from '../observability/admin-listener.js'
import { createLogger, type LogFormat, type LogLevel } from '../observability/logger.js'
import {
  parseAdminAddress,
  parseLogFormat,
  parseLogLevel,
} from '../observability/operator-flags.js'
import { paint } from './style.js'

interface ProxyCommandOptions extends ProxyFlags {
  config?: string
  admin?: string
  shutdownGrace?: string
  requestTimeout?: string
  logLevel?: LogLevel
  logFormat?: LogFormat
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('Run the authorizing proxy in front of MCP servers (stdio, Streamable HTTP, SSE)')
    .addOption(new Option('--config <file>', 'warden.yaml').env('WARDEN_CONFIG'))
    .addOption(
      new Option('--policies <path>', 'policy file or directory (repeatable)')
        .env('WARDEN_POLICIES')
        .argParser(collect),
    )
    .addOption(
      new Option('--upstream <command>', 'stdio upstream: "command args…"').env('WARDEN_UPSTREAM'),
    )
    .addOption(new Option('--upstream-url <url>', 'HTTP upstream URL').env('WARDEN_UPSTREAM_URL'))
    .addOption(
      new Option('--upstream-transport <kind>', 'for --upstream-url').choices([
        'streamable-http',
        'sse',
      ]),
    )
    .addOption(
      new Option('--upstream-header <header>', '"Name: value" sent to the HTTP upstream').argParser(
        collect,
      ),
    )
    .addOption(
      new Option('--listen <where>', 'stdio, or http://127.0.0.1:8787/mcp').env('WARDEN_LISTEN'),
    )
    .addOption(new Option('--as <principal>', 'stdio caller: USER:ROLE[,ROLE…]').env('WARDEN_AS'))
    .addOption(
      new Option('--keys-file <path>', 'API keys file (warden keys)').env('WARDEN_KEYS_FILE'),
    )
    .addOption(new Option('--audit-file <path>', 'JSONL audit log').env('WARDEN_AUDIT_FILE'))
    .addOption(
      new Option(
        '--allow-anonymous',
        'serve HTTP without identity, as the anonymous principal',
      ).env('WARDEN_ALLOW_ANONYMOUS'),
    )
    .option('--expose-rule-names', 'name the deciding rule in denial messages')
    .option('--max-body-bytes <n>', 'largest accepted request body', (text) => Number(text))
    .option('--allow-method <method>', 'relay this unknown JSON-RPC method (repeatable)', collect)
    .addOption(
      new Option('--admin <host:port>', 'serve /metrics, /healthz and /readyz here').env(
        'WARDEN_ADMIN',
      ),
    )
    .addOption(
      new Option(
        '--shutdown-grace <duration>',
        'on SIGTERM/SIGINT, let calls in flight finish this long (default 30s)',
      ).env('WARDEN_SHUTDOWN_GRACE'),
    )
    .addOption(
      new Option(
        '--request-timeout <duration>',
        'fail a relayed request after this long without an answer or progress (default 10m)',
      ).env('WARDEN_REQUEST_TIMEOUT'),
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
    .addHelpText(
      'after',
      '\nFlags replace the keys of --config. Exit status: 2 when the configuration or a policy\n' +
        'is invalid (every problem is listed), 1 when the proxy cannot start otherwise\n' +
        '(a port in use, an upstream or store it cannot reach), 0 after SIGTERM/SIGINT.',
    )
    .action(async (options: ProxyCommandOptions) => {
      process.exitCode = await proxyCommand(options)
    })
}

async function proxyCommand(options: ProxyCommandOptions): Promise<number> {
  const err = (text: string) => void process.stderr.write(`${text}\n`)
  const logger = createLogger({
    level: options.logLevel ?? 'info',
    format: options.logFormat ?? 'text',
    prefix: 'warden proxy: ',
    name: 'warden proxy',
  })
  // Listening before start-up: a signal that arrives meanwhile stops the proxy once it runs.
  let proxy: RunningProxy | undefined
  let signalled = false
  const stop = (signal: NodeJS.Signals) => {
    signalled = true
    logger.info(`${signal}: shutting down; calls in flight may finish`)
    void proxy?.shutdown()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    try {
      const config = await loadProxyConfig({
        ...(options.config !== undefined ? { file: options.config } : {}),
        overrides: {
          ...flagOverrides(options),
          ...(options.admin !== undefined ? { admin: parseAdminAddress(options.admin) } : {}),
          ...(options.shutdownGrace !== undefined
            ? { shutdown_grace: durationFlag(options.shutdownGrace) }
            : {}),
          ...(options.requestTimeout !== undefined
            ? { request_timeout: durationFlag(options.requestTimeout) }
            : {}),
        },
      })
      proxy = await startProxy(config, { logger })
    } catch (error) {
      return startFailure(error, err)
    }
    if (proxy.demoKeys.length > 0) err(demoKeyText(proxy.demoKeys, proxy.url))
    if (signalled) void proxy.shutdown()
    await proxy.closed
    const { drained } = await proxy.shutdown()
    logger.info(drained ? 'stopped' : 'stopped; calls still in flight were cut off')
    return 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

/** One line per problem, then the exit status: 2 invalid configuration or policy, 1 otherwise. */
function startFailure(error: unknown, err: (text: string) => void): number {
  if (error instanceof ConfigLoadError || error instanceof PolicyLoadError) {
    for (const issue of error.issues) err(formatSourceIssue(issue))
    const count = error.issues.length
    err(
      paint(
        'red',
        `${count} problem${count === 1 ? '' : 's'} found; the proxy did not start`,
        process.stderr,
      ),
    )
    return 2
  }
  if (error instanceof AddressInUseError) {
    err(`warden proxy: ${error.message}`)
    return 1
  }
  if (error instanceof WardenError) {
    err(`warden proxy: ${oneLine(error.message)} (${error.code})`)
    return error.code.startsWith('ERR_POLICY') ||
      error.code === 'ERR_CONFIG_INVALID' ||
      error.code === 'ERR_VAULT_NOT_CONFIGURED' ||
      error.code === 'ERR_IDENTITY_CONFIG_INVALID'
      ? 2
      : 1
  }
  err(`warden proxy: ${oneLine((error as Error).message)}`)
  return 1
}

/** A flag parser whose refusal commander prints as a usage error (exit 2). */
export function usage<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text)
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message)
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ')
}

function demoKeyText(keys: readonly DemoKey[], url: string | undefined): string {
  const lines = ['', 'Demo API keys (printed once, valid until the proxy stops):']
  const width = Math.max(...keys.map((k) => k.user_id.length))
  for (const key of keys) {
    lines.push(`  ${key.user_id.padEnd(width)}  ${key.key}  roles: ${key.roles.join(', ') || '-'}`)
  }
  if (url !== undefined) {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'curl', version: '1' },
      },
    })
    lines.push(
      '',
      'Try it:',
      `  curl -si ${url} -H 'x-api-key: ${keys[0]!.key}' \\`,
      `    -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\`,
      `    -d '${init}'`,
      `  npx @modelcontextprotocol/inspector  # Streamable HTTP, ${url}, header x-api-key`,
      '',
    )
  }
  return lines.join('\n')
}
