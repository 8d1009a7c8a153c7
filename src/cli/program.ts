import { Command } from 'commander'

/** The `warden` command with every subcommand registered; tests drive it in-process. */
export function createProgram(): Command {
  const program = new Command('warden')
    .description(
      'Policy-driven authorization, human approval and a credential vault for MCP servers',
    )
    .version('0.1.0')
    .showHelpAfterError()
  return program
}
