import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { createBuiltinApprovalBackend } from '../../../src/approval/backend/builtin-approval-backend.js'
import type { ApprovalService } from '../../../src/approval/service/approval-service.js'
import { guard } from '../../../src/mcp/guard.js'

export const PAYMENTS_POLICY = fileURLToPath(
  new URL('../../../policies/payments.yaml', import.meta.url),
)

/** The caller every session is bound to: a payer, whose transfers above 100 escalate. */
export const PAYER = { user_id: 'pat', roles: ['payer'], method: 'api_key' as const }

/**
 * The payments McpServer wrapped by guard() (policies/payments.yaml, the built-in approval
 * backend over `service`), served over Streamable HTTP on 127.0.0.1, as an application would.
 */
export interface GuardedPayments {
  url: string
  /** Every transfer the tool really performed, with the arguments it received. */
  performed: unknown[]
  /** A real SDK Client connected over Streamable HTTP. */
  connect(): Promise<Client>
  close(): Promise<void>
}

export async function startGuardedPayments(service: ApprovalService): Promise<GuardedPayments> {
  const performed: unknown[] = []
  const paymentsServer = () => {
    const server = new McpServer({ name: 'payments', version: '1.0.0' })
    server.registerTool(
      'transfer_funds',
      {
        inputSchema: { amount: z.number(), recipient: z.string(), currency: z.string().optional() },
      },
      async (args) => {
        performed.push(args)
        return { content: [{ type: 'text', text: `sent ${args.amount} to ${args.recipient}` }] }
      },
    )
    return server
  }
  const guarded = await guard(paymentsServer, {
    policies: PAYMENTS_POLICY,
    principal: PAYER,
    approvals: {
      backend: createBuiltinApprovalBackend(service),
      progressIntervalMs: 200,
      serverName: 'payments',
    },
  })

  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const http: Server = createServer((req, res) => {
    const route = async () => {
      const id = req.headers['mcp-session-id']
      let transport = typeof id === 'string' ? sessions.get(id) : undefined
      if (!transport) {
        if (id !== undefined) return void res.writeHead(404).end()
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
        })
        created.onclose = () => void (created.sessionId && sessions.delete(created.sessionId))
        await guarded.connect(created)
        transport = created
      }
      await transport.handleRequest(req, res)
    }
    route().catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
  const clients: Client[] = []

  return {
    url,
    performed,
    async connect() {
      const client = new Client({ name: 'payer-agent', version: '1.0.0' })
      await client.connect(new StreamableHTTPClientTransport(new URL(url)))
      clients.push(client)
      return client
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()))
      await guarded.close()
      http.closeAllConnections()
      await new Promise<void>((done) => http.close(() => done()))
    },
  }
}

/** The one pending request `createdBy` has open, once the guard has created it. */
export async function pendingRequestOf(
  service: ApprovalService,
  createdBy: string,
): Promise<ApprovalRequest> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const pending = await service.listRequests({ status: 'pending', created_by: createdBy })
    if (pending.length > 1) throw new Error(`${pending.length} pending requests, expected one`)
    if (pending.length === 1) return pending[0]!
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`no pending approval request by ${createdBy} appeared`)
}
