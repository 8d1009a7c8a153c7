import { Option, type Command } from 'commander'
import { WardenError } from '../errors.js'
import { runApprovalsMcpServer } from '../approval/mcp-server/index.js'

/** `warden approvals-mcp`: SynAuth's seven approval tools over stdio, backed by `warden serve`. */
export function registerApprovalsMcpCommand(program: Command): void {
  program
    .command('approvals-mcp')
    .description('Serve the approval tools (request_approval, wait_for_approval, …) over stdio')
    .addOption(new Option('--url <url>', 'the approval service').env('WARDEN_URL'))
    .addOption(
      new Option('--api-key <key>', 'agent API key (prefer the env)').env('WARDEN_API_KEY'),
    )
    .action(async (options: { url?: string; apiKey?: string }) => {
      try {
        await runApprovalsMcpServer({
          ...(options.url ? { baseUrl: options.url } : {}),
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        })
      } catch (error) {
        // stdout is the protocol channel: problems go to stderr only.
        const code = error instanceof WardenError ? ` (${error.code})` : ''
        process.stderr.write(`warden approvals-mcp: ${(error as Error).message}${code}\n`)
        process.exitCode = 2
      }
    })
}
