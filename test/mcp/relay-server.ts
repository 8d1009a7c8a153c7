import { completable } from '@modelcontextprotocol/sdk/server/completable.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import * as z from 'zod'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

/** What the wrapped server observed, for assertions. */
export interface Observed {
  started: Deferred
  aborted: Deferred
  rootsChanged: Deferred
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((res) => (resolve = res))
  return { promise, resolve }
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] })

/** A server that uses every server-to-client feature the bridge must relay. */
export function createRelayServer(): { server: McpServer; observed: Observed } {
  const server = new McpServer(
    { name: 'relay-probe', version: '2.0.0' },
    { capabilities: { logging: {} }, instructions: 'probe instructions' },
  )
  const observed: Observed = { started: deferred(), aborted: deferred(), rootsChanged: deferred() }
  const readOnly = { readOnlyHint: true }

  server.registerTool('count', { annotations: readOnly }, async (extra) => {
    for (let step = 1; step <= 3; step++) {
      const progressToken = extra._meta?.progressToken
      if (progressToken !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: step, total: 3 },
        })
      }
    }
    return text('counted')
  })

  server.registerTool('wait_for_cancel', { annotations: readOnly }, async (extra) => {
    observed.started.resolve()
    await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve()))
    observed.aborted.resolve()
    return text('cancelled')
  })

  server.registerTool('ask_model', { annotations: readOnly }, async () => {
    if (!server.server.getClientCapabilities()?.sampling) return text('no sampling')
    const answer = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'What is 2+2?' } }],
      maxTokens: 10,
    })
    return text(`model said ${(answer.content as { text: string }).text}`)
  })

  server.registerTool('ask_user', { annotations: readOnly }, async () => {
    const answer = await server.server.elicitInput({
      message: 'Your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
    })
    return text(`user ${answer.action}: ${JSON.stringify(answer.content)}`)
  })

  server.registerTool('list_roots', { annotations: readOnly }, async () => {
    const { roots } = await server.server.listRoots()
    return text(roots.map((root) => root.uri).join(','))
  })

  server.registerTool('log', { annotations: readOnly }, async (extra) => {
    await server.sendLoggingMessage({ level: 'debug', data: 'debug detail' }, extra.sessionId)
    await server.sendLoggingMessage({ level: 'error', data: 'something broke' }, extra.sessionId)
    return text('logged')
  })

  server.registerTool('add_tool', { annotations: readOnly }, async () => {
    server.registerTool('added', { annotations: readOnly }, async () => text('added works'))
    return text('added')
  })

  server.registerTool('whoami', { annotations: readOnly }, async (extra) =>
    text(JSON.stringify({ authInfo: extra.authInfo ?? null, meta: extra._meta ?? null })),
  )

  server.registerTool('client_info', { annotations: readOnly }, async () =>
    text(server.server.getClientVersion()?.name ?? 'unknown'),
  )

  server.registerTool(
    'delete_everything',
    { annotations: { readOnlyHint: false, destructiveHint: true } },
    async () => text('everything deleted'),
  )

  server.registerPrompt(
    'greet',
    {
      argsSchema: {
        planet: completable(z.string(), (value) =>
          ['mars', 'mercury', 'venus'].filter((p) => p.startsWith(value)),
        ),
      },
    },
    async ({ planet }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Hello ${planet}` } }],
    }),
  )

  server.registerResource('known', 'probe://known', {}, async (uri) => ({
    contents: [{ uri: uri.href, text: 'known' }],
  }))

  server.server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
    observed.rootsChanged.resolve()
  })

  return { server, observed }
}
