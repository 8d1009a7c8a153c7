import { Option, type Command } from 'commander'
import { formatSourceIssue, PolicyLoadError, WardenError } from '../errors.js'
import { ConfigLoadError } from '../mcp/proxy/config-load-error.js'
import { loadProxyConfig } from '../mcp/proxy/load-proxy-config.js'
import { flagOverrides, type ProxyFlags } from '../mcp/proxy/proxy-flags.js'
import type { DemoKey } from '../mcp/proxy/proxy-identity.js'
import { startProxy } from '../mcp/proxy/start-proxy.js'
import { paint } from './style.js'

interface ProxyCommandOptions extends ProxyFlags {
  config?: string
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
    .addHelpText(
      'after',
      '\nFlags replace the keys of --config. Exit status: 2 when the configuration or a policy\n' +
        'is invalid (every problem is listed), 1 when the proxy cannot start otherwise.',
    )
    .action(async (options: ProxyCommandOptions) => {
      process.exitCode = await proxyCommand(options)
    })
}

async function proxyCommand(options: ProxyCommandOptions): Promise<number> {
  const err = (text: string) => void process.stderr.write(`${text}\n`)
  let proxy: Awaited<ReturnType<typeof startProxy>>
  try {
    const config = await loadProxyConfig({
      ...(options.config !== undefined ? { file: options.config } : {}),
      overrides: flagOverrides(options),
    })
    proxy = await startProxy(config, { log: (line) => err(`warden proxy: ${line}`) })
  } catch (error) {
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
    if (error instanceof WardenError) {
      err(`warden proxy: ${error.message} (${error.code})`)
      return error.code.startsWith('ERR_POLICY') ||
        error.code === 'ERR_CONFIG_INVALID' ||
        error.code === 'ERR_VAULT_NOT_CONFIGURED' ||
        error.code === 'ERR_IDENTITY_CONFIG_INVALID'
        ? 2
        : 1
    }
    err(`warden proxy: ${(error as Error).message}`)
    return 1
  }
  if (proxy.demoKeys.length > 0) err(demoKeyText(proxy.demoKeys, proxy.url))
  const stop = () => void proxy.close()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  await proxy.closed
  await proxy.close()
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)
  return 0
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
