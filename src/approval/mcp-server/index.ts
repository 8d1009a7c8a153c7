export { createApprovalsMcpServer, APPROVALS_MCP_SERVER_NAME } from './approvals-mcp-server.js'
export type { ApprovalsMcpServerSettings } from './approvals-mcp-server.js'
export { runApprovalsMcpServer } from './run-approvals-mcp-server.js'
export type { ApprovalsMcpServerOptions } from './run-approvals-mcp-server.js'
