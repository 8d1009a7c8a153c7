import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  ResultSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCRequest,
  type Result,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js'
import { WardenError } from '../../errors.js'
import { forward, type FrontExtra } from '../forward.js'
import { FrontServer } from '../front-server.js'
import { openUpstream, type UpstreamSession } from '../upstream-session.js'
import { toWireError, WireError } from '../wire-error.js'
import type { UpstreamConnector } from './upstream-connector.js'

/** Between an upstream's name and its tool or prompt name: `fs.read_file`. */
export const NAMESPACE_SEPARATOR = '.'

const MAX_PAGES = 1000

type Capability = 'tools' | 'prompts' | 'resources'

/**
 * Several upstreams as one, for the bridge: tools and prompts are renamed `name.tool`, resources
 * keep their URIs and are routed to the upstream that listed them. One aggregate per downstream
 * session, each with its own connection to every upstream. If any upstream drops, the aggregate
 * closes, and the bridge opens a fresh one for the next request.
 */
export function aggregateUpstreams(
  connectors: readonly UpstreamConnector[],
  timeoutMs: number,
): () => Promise<Transport> {
  return async () => {
    const [bridgeSide, aggregateSide] = InMemoryTransport.createLinkedPair()
    await createAggregate(connectors, timeoutMs).connect(aggregateSide)
    return bridgeSide
  }
}

function createAggregate(connectors: readonly UpstreamConnector[], timeoutMs: number): FrontServer {
  const server = new FrontServer()
  const members = new Map<string, UpstreamSession>()
  /** Which upstream listed a resource URI or template. */
  const owners = new Map<string, string>()

  server.onclose = () => {
    for (const member of members.values()) void member.close()
  }

  server.setRequestHandler(InitializeRequestSchema, async (request) => {
    try {
      for (const connector of connectors) {
        const member = await openUpstream(await connector.open(), request.params, server, timeoutMs)
        members.set(connector.spec.name, member)
        member.client.onclose = () => void server.close()
      }
    } catch (error) {
      await Promise.all([...members.values()].map((member) => member.close()))
      throw toWireError(error)
    }
    const requested = request.params.protocolVersion
    const instructions = [...members]
      .map(([name, member]) => {
        const text = member.client.getInstructions()
        return text ? `${name}: ${text}` : undefined
      })
      .filter((text) => text !== undefined)
    return {
      protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
        ? requested
        : LATEST_PROTOCOL_VERSION,
      capabilities: mergedCapabilities([...members.values()]),
      serverInfo: { name: 'mcp-warden-proxy', version: '1' },
      ...(instructions.length > 0 ? { instructions: instructions.join('\n\n') } : {}),
    }
  })

  const offering = (capability: Capability): [string, UpstreamSession][] =>
    [...members].filter(([, member]) => member.client.getServerCapabilities()?.[capability])

  async function listAll(method: string, key: string, capability: Capability): Promise<Result> {
    const lists = await Promise.all(
      offering(capability).map(async ([name, member]) => {
        const items: Record<string, unknown>[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          if (++pages > MAX_PAGES) throw new WireError(-32603, `${name}: ${method} never ends`)
          const page = await member.client.request(
            { method, params: cursor ? { cursor } : {} } as never,
            ResultSchema,
            { timeout: timeoutMs },
          )
          const listed = Array.isArray(page[key]) ? (page[key] as Record<string, unknown>[]) : []
          items.push(...listed.map((item) => rename(name, item)))
          cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined
        } while (cursor)
        return items
      }),
    )
    return { [key]: lists.flat() }
  }

  function rename(name: string, item: Record<string, unknown>): Record<string, unknown> {
    if (typeof item.uri === 'string') owners.set(item.uri, name)
    if (typeof item.uriTemplate === 'string') owners.set(item.uriTemplate, name)
    if (typeof item.name === 'string' && item.uri === undefined && item.uriTemplate === undefined) {
      return { ...item, name: `${name}${NAMESPACE_SEPARATOR}${item.name}` }
    }
    return item
  }

  /** The upstream and bare name of a namespaced `name.tool`. */
  function byName(qualified: unknown): { member: UpstreamSession; bare: string } {
    const text = typeof qualified === 'string' ? qualified : ''
    const at = text.indexOf(NAMESPACE_SEPARATOR)
    const member = at > 0 ? members.get(text.slice(0, at)) : undefined
    if (!member) throw new WireError(-32602, `unknown name ${text}: expected upstream.name`)
    return { member, bare: text.slice(at + 1) }
  }

  function byUri(uri: unknown): UpstreamSession {
    const owner = typeof uri === 'string' ? owners.get(uri) : undefined
    const member = owner !== undefined ? members.get(owner) : undefined
    if (member) return member
    const candidates = offering('resources')
    if (candidates.length === 1) return candidates[0]![1]
    throw new WireError(-32602, `unknown resource ${String(uri)}: list resources first`)
  }

  server.fallbackRequestHandler = async (request: JSONRPCRequest, extra: FrontExtra) => {
    try {
      const params = request.params ?? {}
      const send = (member: UpstreamSession, changed: Record<string, unknown> = {}) =>
        forward(member.client, { ...request, params: { ...params, ...changed } }, extra, {
          timeoutMs,
        })
      switch (request.method) {
        case 'tools/list':
          return (await listAll('tools/list', 'tools', 'tools')) as never
        case 'prompts/list':
          return (await listAll('prompts/list', 'prompts', 'prompts')) as never
        case 'resources/list':
          return (await listAll('resources/list', 'resources', 'resources')) as never
        case 'resources/templates/list':
          return (await listAll(
            'resources/templates/list',
            'resourceTemplates',
            'resources',
          )) as never
        case 'tools/call':
        case 'prompts/get': {
          const { member, bare } = byName(params.name)
          return (await send(member, { name: bare })) as never
        }
        case 'resources/read':
        case 'resources/subscribe':
        case 'resources/unsubscribe':
          return (await send(byUri(params.uri))) as never
        case 'completion/complete':
          return (await complete(params, send)) as never
        case 'logging/setLevel':
          await Promise.all(offeringLogging().map((member) => send(member)))
          return {} as never
        default:
          throw new WardenError(
            'ERR_METHOD_NOT_ALLOWED',
            `${request.method} cannot be routed to one of several upstreams`,
          )
      }
    } catch (error) {
      throw toWireError(error)
    }
  }

  async function complete(
    params: Record<string, unknown>,
    send: (member: UpstreamSession, changed?: Record<string, unknown>) => Promise<Result>,
  ): Promise<Result> {
    const ref = (params.ref ?? {}) as Record<string, unknown>
    if (ref.type === 'ref/prompt') {
      const { member, bare } = byName(ref.name)
      return send(member, { ref: { ...ref, name: bare } })
    }
    return send(byUri(ref.uri))
  }

  const offeringLogging = (): UpstreamSession[] =>
    [...members.values()].filter((member) => member.client.getServerCapabilities()?.logging)

  server.fallbackNotificationHandler = async (notification) => {
    await Promise.all(
      [...members.values()].map((member) =>
        member.client.notification(notification as never).catch(() => undefined),
      ),
    )
  }

  return server
}

/** What the downstream may use: a capability any upstream offers. */
function mergedCapabilities(members: readonly UpstreamSession[]): ServerCapabilities {
  const merged: Record<string, unknown> = {}
  for (const member of members) {
    const capabilities = member.client.getServerCapabilities() ?? {}
    for (const [key, value] of Object.entries(capabilities)) {
      const previous = merged[key]
      merged[key] =
        isRecord(previous) && isRecord(value) ? { ...previous, ...value } : (previous ?? value)
    }
  }
  return merged as ServerCapabilities
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
