import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { guard, type GuardedServer, type GuardOptions } from '../../src/mcp/guard.js'

export interface Connected {
  client: Client
  guarded: GuardedServer
  /** The authInfo the client's transport attaches to every message it sends. */
  auth: { current?: AuthInfo }
}

/** A real Client talking to a guarded real server over linked in-memory transports. */
export async function connectGuarded(
  server: McpServer | (() => McpServer),
  options: GuardOptions,
  clientOptions: ClientOptions = {},
  authInfo?: AuthInfo,
): Promise<Connected> {
  const guarded = await guard(server, options)
  const [clientSide, guardSide] = InMemoryTransport.createLinkedPair()
  const auth: Connected['auth'] = authInfo ? { current: authInfo } : {}
  const send = clientSide.send.bind(clientSide)
  // What an HTTP transport does after verifying a token: attach authInfo to each message.
  clientSide.send = (message, sendOptions) =>
    send(message, { ...sendOptions, ...(auth.current ? { authInfo: auth.current } : {}) })
  await guarded.connect(guardSide)
  const client = new Client({ name: 'test-client', version: '1.0.0' }, clientOptions)
  await client.connect(clientSide)
  return { client, guarded, auth }
}

/** The JSON-RPC error a promise rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof McpError) return error
    throw error
  }
  throw new Error('expected the request to fail')
}

export function textOf(result: unknown): string {
  const content = ((result as { content?: unknown }).content ?? []) as { text?: string }[]
  return content.map((c) => c.text ?? '').join('')
}
