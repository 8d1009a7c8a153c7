import { Hono, type MiddlewareHandler } from 'hono'
import { WardenError } from '../../errors.js'
import type { AuthContext } from '../../identity/auth-context.js'
import { ACTION_TYPES, APPROVAL_STATUSES } from '../approval-request.js'
import { toApprovalView } from '../approval-view.js'
import type { ApprovalService } from '../service/approval-service.js'
import { readJsonBody, requireString } from './http-error.js'
import { attachedVault } from '../../vault/attached-vault.js'
import { vaultRoutes } from '../../vault/vault-routes.js'

type AgentEnv = { Variables: { agent: AuthContext; principal: string } }

/** Requests an agent may create per minute before it gets 429. */
const CREATE_PER_MINUTE = 120
const MAX_WAIT_SECONDS = 120

/** The agent side of the API (SynAuth-shaped): an API key, and only the agent's own requests. */
export function agentRoutes(service: ApprovalService): Hono<AgentEnv> {
  const app = new Hono<AgentEnv>()
  const view = (request: Parameters<typeof toApprovalView>[0]) =>
    toApprovalView(request, service.publicUrl)

  const authenticate: MiddlewareHandler<AgentEnv> = async (c, next) => {
    const agent = await service.authenticateAgent({ headers: headersOf(c.req.raw) })
    c.set('agent', agent)
    c.set('principal', agent.agent_id ?? agent.user_id ?? 'unknown')
    await next()
  }
  for (const path of ['/actions', '/actions/*', '/agent/*', '/vault/*']) app.use(path, authenticate)

  app.post('/actions', async (c) => {
    const principal = c.get('principal')
    const window = Math.floor(Date.now() / 60_000) * 60_000
    if ((await service.store.countAttempt(`create:${principal}`, window)) > CREATE_PER_MINUTE) {
      throw new WardenError('ERR_RATE_LIMITED', `more than ${CREATE_PER_MINUTE} requests a minute`)
    }
    const request = await service.createRequest(await readJsonBody(c), { created_by: principal })
    return c.json(view(request), 201)
  })

  app.get('/actions', async (c) => {
    const status = c.req.query('status')
    const actionType = c.req.query('action_type')
    const limit = Number(c.req.query('limit') ?? 50)
    if (status !== undefined && !(APPROVAL_STATUSES as readonly string[]).includes(status)) {
      throw new WardenError(
        'ERR_APPROVAL_INVALID',
        `status: must be one of ${APPROVAL_STATUSES.join(', ')}`,
      )
    }
    if (actionType !== undefined && !(ACTION_TYPES as readonly string[]).includes(actionType)) {
      throw new WardenError(
        'ERR_APPROVAL_INVALID',
        `action_type: must be one of ${ACTION_TYPES.join(', ')}`,
      )
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new WardenError('ERR_APPROVAL_INVALID', 'limit: must be an integer from 1 to 500')
    }
    const requests = await service.listRequests({
      created_by: c.get('principal'),
      limit,
      ...(status ? { status: status as (typeof APPROVAL_STATUSES)[number] } : {}),
      ...(actionType ? { action_type: actionType as (typeof ACTION_TYPES)[number] } : {}),
    })
    return c.json({ actions: requests.map(view) })
  })

  app.get('/actions/:id', async (c) =>
    c.json(view(await service.getOwnRequest(c.req.param('id'), c.get('principal')))),
  )

  app.get('/actions/:id/wait', async (c) => {
    const id = c.req.param('id')
    await service.getOwnRequest(id, c.get('principal'))
    const seconds = Number(c.req.query('timeout') ?? 30)
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS) {
      throw new WardenError(
        'ERR_APPROVAL_INVALID',
        `timeout: seconds from 0 to ${MAX_WAIT_SECONDS}`,
      )
    }
    const request = await service.waitForResolution(id, seconds * 1000, c.req.raw.signal)
    return c.json(view(request))
  })

  app.post('/actions/:id/cancel', async (c) =>
    c.json(view(await service.withdraw(c.req.param('id'), c.get('principal')))),
  )

  app.post('/actions/:id/claim', async (c) => {
    const body = await readJsonBody(c)
    const request = await service.claimExecution(c.req.param('id'), {
      content_hash: requireString(body, 'content_hash'),
      created_by: c.get('principal'),
      ...(typeof body.policy_version === 'string' ? { policy_version: body.policy_version } : {}),
    })
    return c.json(view(request))
  })

  app.post('/actions/:id/result', async (c) => {
    const id = c.req.param('id')
    await service.getOwnRequest(id, c.get('principal'))
    const result = (await readJsonBody(c)).result
    if (result !== 'succeeded' && result !== 'failed') {
      throw new WardenError('ERR_APPROVAL_INVALID', 'result: must be "succeeded" or "failed"')
    }
    return c.json(view(await service.recordExecutionResult(id, result)))
  })

  app.get('/agent/spending-summary', async (c) =>
    c.json({ summaries: await service.spendingSummary(c.get('principal')) }),
  )

  const vault = attachedVault(service)
  if (vault) {
    app.route('/vault', vaultRoutes(service, vault))
    return app
  }
  const vaultMissing = (): never => {
    throw new WardenError('ERR_VAULT_NOT_CONFIGURED', 'the credential vault is not configured')
  }
  app.get('/vault/services', vaultMissing)
  app.post('/vault/execute', vaultMissing)
  app.post('/vault/execute/:id', vaultMissing)
  return app
}

export function headersOf(request: Request): Record<string, string> {
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => (headers[name] = value))
  return headers
}
