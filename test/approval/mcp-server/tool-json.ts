import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

export const SEVEN_TOOLS = [
  'check_approval',
  'execute_api_call',
  'get_approval_history',
  'get_spending_summary',
  'list_vault_services',
  'request_approval',
  'wait_for_approval',
]

/** The JSON a tool answered with. */
export function jsonOf(result: unknown): Record<string, unknown> {
  const [first] = (result as CallToolResult).content
  if (first?.type !== 'text') throw new Error('expected text content')
  return JSON.parse(first.text) as Record<string, unknown>
}

export function textOf(result: unknown): string {
  const [first] = (result as CallToolResult).content
  return first?.type === 'text' ? first.text : ''
}
