import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { WardenClient, type WardenClientOptions } from '../client/warden-client.js'
import { createApprovalsMcpServer } from './approvals-mcp-server.js'

export type ApprovalsMcpServerOptions = WardenClientOptions

/**
 * Serves the approvals tools over stdio (`warden approvals-mcp`). The key and URL come from
 * the options, else WARDEN_API_KEY and WARDEN_URL; a missing key fails before serving.
 */
export async function runApprovalsMcpServer(
  options: ApprovalsMcpServerOptions = {},
): Promise<McpServer> {
  const server = createApprovalsMcpServer(new WardenClient(options))
  await server.connect(new StdioServerTransport())
  return server
}
