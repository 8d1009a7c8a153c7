import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  LATEST_PROTOCOL_VERSION,
  ResultSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ClientResult,
  type InitializeRequest,
  type InitializeResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import { ToolCatalog } from './tool-catalog.js'
import { toWireError } from './wire-error.js'

/** The bridge's session with one upstream, opened for one downstream session. */
export interface UpstreamSession {
  readonly client: Client
  readonly catalog: ToolCatalog
  /** What the downstream is told: the upstream's capabilities, info and instructions. */
  initializeResult(requestedVersion: string): InitializeResult
  close(): Promise<void>
}

/**
 * Connects the back Client as the downstream client itself (same clientInfo and capabilities, so
 * the upstream asks for sampling, elicitation or roots exactly when the real client offers them)
 * and relays whatever the upstream sends the client.
 */
export async function openUpstream(
  transport: Transport,
  init: InitializeRequest['params'],
  front: Server,
  timeoutMs: number,
): Promise<UpstreamSession> {
  const client = new Client(init.clientInfo, { capabilities: init.capabilities })
  const catalog = new ToolCatalog(client)

  client.fallbackRequestHandler = async (request, extra) => {
    try {
      const relayed = { method: request.method, params: request.params } as ServerRequest
      const result = await front.request(relayed, ResultSchema, {
        signal: extra.signal,
        timeout: timeoutMs,
      })
      return result as ClientResult
    } catch (error) {
      throw toWireError(error)
    }
  }
  client.fallbackNotificationHandler = async (notification) => {
    if (notification.method === 'notifications/tools/list_changed') catalog.invalidate()
    await front.notification(notification as ServerNotification)
  }

  await client.connect(transport)
  deliverResponsesAfterNotifications(transport)

  return {
    client,
    catalog,
    initializeResult(requestedVersion) {
      const instructions = client.getInstructions()
      return {
        protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requestedVersion)
          ? requestedVersion
          : LATEST_PROTOCOL_VERSION,
        capabilities: client.getServerCapabilities() ?? {},
        serverInfo: client.getServerVersion() ?? { name: 'upstream', version: '0' },
        ...(instructions !== undefined ? { instructions } : {}),
      }
    },
    close: () => client.close(),
  }
}

/**
 * The SDK handles a notification one microtask late but a response at once, so a final
 * progress notification arriving in the same read as its result would find its handler gone
 * (typescript-sdk#2580). Handing responses on a microtask later keeps the wire order.
 */
function deliverResponsesAfterNotifications(transport: Transport): void {
  const deliver = transport.onmessage
  if (!deliver) return
  transport.onmessage = (message, extra) => {
    if ('id' in message && ('result' in message || 'error' in message)) {
      queueMicrotask(() => deliver(message, extra))
    } else deliver(message, extra)
  }
}
