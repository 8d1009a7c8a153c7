import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { toMcpError, WardenError } from '../errors.js'

/**
 * An error the SDK's Protocol sends as is: it reads `code`, `message` and `data`. Unlike
 * `McpError`, the message carries no "MCP error N:" prefix, so a relayed error reads the same
 * through the bridge as without it.
 */
export class WireError extends Error {
  readonly code: number
  readonly data?: unknown

  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.name = 'WireError'
    this.code = code
    if (data !== undefined) this.data = data
  }
}

/** Turns anything a handler threw into what the client should see; never leaks internals. */
export function toWireError(error: unknown): WireError {
  if (error instanceof WireError) return error
  if (error instanceof McpError) {
    const prefix = `MCP error ${error.code}: `
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message
    return new WireError(error.code, message, error.data)
  }
  if (error instanceof WardenError) {
    const wire = toMcpError(error)
    return new WireError(wire.code, wire.message, wire.data)
  }
  const wire = toMcpError(new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'the upstream failed'))
  return new WireError(wire.code, wire.message, wire.data)
}
