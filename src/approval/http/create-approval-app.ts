import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { getCookie } from 'hono/cookie'
import { WardenError } from '../../errors.js'
import type { ApprovalService } from '../service/approval-service.js'
import type { PushNotifier } from '../service/service-context.js'
import { adminRoutes } from './admin-routes.js'
import { agentRoutes } from './agent-routes.js'
import { approverRoutes } from './approver-routes.js'
import { requireApprover, sameOriginJson, SESSION_COOKIE } from './approver-session.js'
import { enrolRoutes } from './enrol-routes.js'
import { errorResponse, readJsonBody } from './http-error.js'

export interface ApprovalAppOptions {
  /** Pages and assets of the web inbox, mounted at `/`. */
  inbox?: Hono
  push?: PushNotifier
  /** Shown in authenticator apps beside the approver's name. */
  issuer?: string
  /** Largest accepted request body; default 256 KiB. */
  maxBodyBytes?: number
}

/** The whole HTTP surface of `warden serve`: agent API, approver API, admin API, inbox. */
export function createApprovalApp(
  service: ApprovalService,
  options: ApprovalAppOptions = {},
): Hono {
  const app = new Hono()
  app.onError(errorResponse)
  app.notFound((c) =>
    c.json({ error: { code: 'ERR_MESSAGE_INVALID', message: 'no such route' } }, 404),
  )
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 256 * 1024,
      onError: () => {
        throw new WardenError('ERR_BODY_TOO_LARGE', 'the request body is too large')
      },
    }),
  )
  app.use('/api/*', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
    c.header('X-Content-Type-Options', 'nosniff')
  })

  const csrf = sameOriginJson(service.publicUrl)
  for (const path of [
    '/api/v1/session',
    '/api/v1/session/*',
    '/api/v1/inbox/*',
    '/api/v1/enrol/*',
    '/api/v1/push/*',
  ]) {
    app.use(path, csrf)
  }
  app.use('/api/v1/admin/*', withCookieOnly(csrf))

  app.route('/api/v1/enrol', enrolRoutes(service, options.issuer ?? 'mcp-warden'))
  app.route('/api/v1/admin', adminRoutes(service))
  app.route('/api/v1', approverRoutes(service))
  app.route('/api/v1', agentRoutes(service))
  if (options.push) app.route('/api/v1/push', pushRoutes(service, options.push))
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  if (options.inbox) app.route('/', options.inbox)
  return app
}

function pushRoutes(service: ApprovalService, push: PushNotifier): Hono {
  const app = new Hono()
  app.use('*', requireApprover(service))
  app.get('/vapid-public-key', async (c) => c.json({ key: await push.vapidPublicKey() }))
  app.post('/subscriptions', async (c) => {
    const body = await readJsonBody(c)
    const keys = body.keys as { p256dh?: unknown; auth?: unknown } | undefined
    if (typeof body.endpoint !== 'string' || !body.endpoint.startsWith('https://')) {
      throw new WardenError('ERR_APPROVAL_INVALID', 'endpoint: must be an https URL')
    }
    if (typeof keys?.p256dh !== 'string' || typeof keys.auth !== 'string') {
      throw new WardenError('ERR_APPROVAL_INVALID', 'keys: must hold p256dh and auth')
    }
    const approver = (c.get as (key: string) => { id: string })('approver')
    await service.store.putPushSubscription({
      endpoint: body.endpoint,
      approver_id: approver.id,
      p256dh: keys.p256dh,
      auth: keys.auth,
      created_at: new Date(service.context.now()).toISOString(),
    })
    return c.body(null, 204)
  })
  return app
}

function withCookieOnly(guard: MiddlewareHandler): MiddlewareHandler {
  return async (c, next) => {
    if (getCookie(c, SESSION_COOKIE) === undefined) return next()
    return guard(c, next)
  }
}
