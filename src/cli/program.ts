import { Command } from 'commander'
import { registerTestCommand } from './test.js'
import { registerExplainCommand } from './explain.js'
import { registerCheckCommand } from './check.js'
import { registerKeysCommand } from './keys.js'
import { registerAuditCommand } from './audit.js'
import { registerProxyCommand } from './proxy.js'
import { registerServeCommand } from './serve.js'
import { registerApprovalsCommand } from './approvals.js'
import { registerApprovalsMcpCommand } from './approvals-mcp.js'
import { registerVaultCommand } from './vault.js'

/** The `warden` command with every subcommand registered; tests drive it in-process. */
export function createProgram(): Command {
  const program = new Command('warden')
    .description(
      'Policy-driven authorization, human approval and a credential vault for MCP servers',
    )
    .version('0.1.0')
    .showHelpAfterError()
  registerTestCommand(program)
  registerExplainCommand(program)
  registerCheckCommand(program)
  registerKeysCommand(program)
  registerAuditCommand(program)
  registerProxyCommand(program)
  registerServeCommand(program)
  registerApprovalsCommand(program)
  registerApprovalsMcpCommand(program)
  registerVaultCommand(program)
  return program
}
