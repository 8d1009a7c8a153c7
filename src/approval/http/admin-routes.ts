import { Hono, type MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { z } from 'zod'
import { WardenError } from '../../errors.js'
import { ACTION_TYPES } from '../approval-request.js'
import type { ApprovalService } from '../service/approval-service.js'
import { createWebhook } from '../webhooks/webhook-admin.js'
import { CALLBACK_SECRET_SETTING } from '../webhooks/callback-secret.js'
import { headersOf } from './agent-routes.js'
import { SESSION_COOKIE } from './approver-session.js'
import { publicApprover } from './approver-routes.js'
import { readJsonBody } from './http-error.js'

/** The role an agent API key needs to use the admin API (for automation and the CLI). */
export const ADMIN_ROLE = 'warden:admin'

const keyInput = z.strictObject({
  name: z.string().min(1),
  agent_id: z.string().min(1).optional(),
  roles: z.array(z.string().min(1)).optional(),
})
const approverInput = z.strictObject({
  name: z.string().min(1),
  role: z.enum(['admin', 'approver']).optional(),
})
const limitInput = z.strictObject({
  agent: z.string().min(1).optional(),
  action_type: z.enum(ACTION_TYPES),
  period: z.enum(['daily', 'weekly', 'monthly']),
  limit: z.number().finite().positive(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
})
const webhookInput = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.string().min(1)).optional(),
})

/** Keys, approvers, spending limits and webhooks: an admin approver or an admin API key. */
export function adminRoutes(service: ApprovalService): Hono {
  const app = new Hono()
  const { store, box, now } = service.context
  app.use('*', requireAdmin(service))

  app.get('/keys', async (c) => {
    const keys = await store.listApiKeys()
    return c.json({ keys: keys.map(({ hash: _hash, ...key }) => key) })
  })
  app.post('/keys', async (c) => {
    const created = await service.createApiKey(parse(keyInput, await readJsonBody(c)))
    return c.json({ key: created.key, prefix: created.prefix }, 201)
  })
  app.delete('/keys/:prefix', async (c) => {
    if (!(await store.revokeApiKey(c.req.param('prefix'), now()))) throw notFound('API key')
    return c.body(null, 204)
  })

  app.get('/approvers', async (c) => {
    const approvers = await store.listApprovers()
    return c.json({ approvers: approvers.map(publicApprover) })
  })
  app.post('/approvers', async (c) => {
    const created = await service.createApprover(parse(approverInput, await readJsonBody(c)))
    return c.json(
      { approver: publicApprover(created.approver), enrolment_url: created.enrolment_url },
      201,
    )
  })

  app.delete('/approvers/:id', async (c) => {
    const removed = await service.removeApprover(c.req.param('id'))
    return c.json({ approver: publicApprover(removed) })
  })

  app.get('/limits', async (c) => c.json({ limits: await store.listSpendingLimits() }))
  app.post('/limits', async (c) => {
    const limit = await store.putSpendingLimit({
      ...parse(limitInput, await readJsonBody(c)),
      now: now(),
    })
    return c.json({ limit }, 201)
  })
  app.delete('/limits/:id', async (c) => {
    if (!(await store.deleteSpendingLimit(c.req.param('id')))) throw notFound('spending limit')
    return c.body(null, 204)
  })

  app.get('/webhooks', async (c) => {
    const webhooks = await store.listWebhooks()
    return c.json({
      webhooks: webhooks.map(({ encrypted_secret: _secret, ...webhook }) => webhook),
    })
  })
  app.post('/webhooks', async (c) => {
    const input = parse(webhookInput, await readJsonBody(c))
    const { webhook, secret } = await createWebhook(
      store,
      box,
      { url: input.url, events: input.events ?? [] },
      now(),
    )
    const { encrypted_secret: _secret, ...shown } = webhook
    return c.json({ webhook: shown, secret }, 201)
  })
  app.delete('/webhooks/:id', async (c) => {
    if (!(await store.deleteWebhook(c.req.param('id')))) throw notFound('webhook')
    return c.body(null, 204)
  })
  app.get('/callback-secret', async (c) => {
    const sealed = await store.getSetting(CALLBACK_SECRET_SETTING)
    if (sealed === undefined) throw notFound('callback secret')
    return c.json({ secret: box.open(sealed, CALLBACK_SECRET_SETTING) })
  })
  app.get('/deliveries', async (c) => {
    const requestId = c.req.query('request_id')
    return c.json({
      deliveries: await store.listDeliveries(requestId ? { request_id: requestId } : {}),
    })
  })
  return app
}

function requireAdmin(service: ApprovalService): MiddlewareHandler {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE)
    if (token !== undefined) {
      const approver = await service.sessionApprover(token)
      if (approver.role !== 'admin')
        throw new WardenError('ERR_FORBIDDEN', 'this needs an admin approver')
    } else {
      const agent = await service.authenticateAgent({ headers: headersOf(c.req.raw) })
      if (!agent.roles.includes(ADMIN_ROLE)) {
        throw new WardenError('ERR_FORBIDDEN', `this needs an API key with role ${ADMIN_ROLE}`)
      }
    }
    await next()
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  throw new WardenError(
    'ERR_APPROVAL_INVALID',
    `${issue.path.join('.') || 'body'}: ${issue.message}`,
  )
}

function notFound(what: string): WardenError {
  return new WardenError('ERR_APPROVAL_NOT_FOUND', `no such ${what}`)
}
