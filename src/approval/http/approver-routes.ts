import { Hono, type Context } from 'hono'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import type { Approver } from '../../store/store.js'
import { toApprovalView } from '../approval-view.js'
import { passkeyLoginOptions, verifyPasskeyLogin } from '../passkey/passkey-login.js'
import { verifyTotpCode } from '../totp/totp-verify.js'
import type { ApprovalService } from '../service/approval-service.js'
import type { ApproverProof } from '../service/resolve-request.js'
import {
  clearSessionCookie,
  requireApprover,
  setSessionCookie,
  type ApproverEnv,
} from './approver-session.js'
import { readJsonBody, requireString } from './http-error.js'

/** Sign-in, the inbox's JSON, decisions and push subscriptions. */
export function approverRoutes(service: ApprovalService): Hono<ApproverEnv> {
  const app = new Hono<ApproverEnv>()
  const { store, rp, now } = service.context
  const signIn = async (c: Context, approver: Approver) => {
    setSessionCookie(c, await service.openSession(approver), service.publicUrl)
    return c.json({ approver: publicApprover(approver) })
  }

  app.post('/session/passkey/options', async (c) =>
    c.json(await passkeyLoginOptions(store, rp, now())),
  )
  app.post('/session/passkey', async (c) => {
    const response = (await readJsonBody(c)) as unknown as AuthenticationResponseJSON
    return signIn(c, await verifyPasskeyLogin(store, rp, response, now()))
  })
  app.post('/session/totp', async (c) => {
    const body = await readJsonBody(c)
    const approver = await store.getApproverByName(requireString(body, 'name'))
    if (!approver) throw new WardenError('ERR_TOTP_INVALID', 'the name or code is wrong')
    await verifyTotpCode(store, service.context.box, approver, requireString(body, 'code'), now())
    return signIn(c, approver)
  })

  app.use('/session', requireApprover(service))
  app.delete('/session', async (c) => {
    await service.closeSession(c.get('sessionToken'))
    clearSessionCookie(c)
    return c.body(null, 204)
  })

  for (const path of ['/me', '/inbox', '/inbox/*']) app.use(path, requireApprover(service))

  app.get('/me', async (c) => {
    const approver = c.get('approver')
    const passkeys = await store.listPasskeys(approver.id)
    return c.json({
      approver: {
        ...publicApprover(approver),
        totp_enabled: approver.totp?.enabled === true,
        passkeys: passkeys.length,
      },
    })
  })

  app.get('/inbox', async (c) => {
    const history = c.req.query('status') === 'history'
    const requests = await service.listRequests(
      history ? { limit: 100 } : { status: 'pending', limit: 200 },
    )
    const shown = history ? requests.filter((request) => request.status !== 'pending') : requests
    return c.json({ actions: shown.map((request) => toApprovalView(request, service.publicUrl)) })
  })

  app.get('/inbox/:id', async (c) => {
    const request = await service.getRequest(c.req.param('id'))
    const events = await store.listEvents(request.id)
    return c.json({ ...toApprovalView(request, service.publicUrl), events })
  })

  app.post('/inbox/:id/passkey-options', async (c) => {
    const body = await readJsonBody(c)
    const decision = decisionOf(body.decision)
    const options = await service.decisionOptions(
      c.req.param('id'),
      decision,
      requireString(body, 'content_hash'),
      c.get('approver'),
    )
    return c.json(options)
  })

  for (const decision of ['approve', 'deny'] as const) {
    app.post(`/inbox/:id/${decision}`, async (c) => {
      const body = await readJsonBody(c)
      const approver = c.get('approver')
      const request = await service.resolve(c.req.param('id'), {
        decision,
        proof: proofOf(body, approver),
        content_hash: requireString(body, 'content_hash'),
        session: approver,
        ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
      })
      return c.json(toApprovalView(request, service.publicUrl))
    })
  }
  return app
}

function decisionOf(value: unknown): 'approve' | 'deny' {
  if (value !== 'approve' && value !== 'deny') {
    throw new WardenError('ERR_APPROVAL_INVALID', 'decision: must be "approve" or "deny"')
  }
  return value
}

function proofOf(body: Record<string, unknown>, approver: Approver): ApproverProof {
  if (typeof body.totp === 'string') return { totp: body.totp, approver }
  if (typeof body.passkey === 'object' && body.passkey !== null) {
    return { passkey: body.passkey as AuthenticationResponseJSON }
  }
  throw new WardenError(
    'ERR_APPROVAL_INVALID',
    'a decision needs a passkey assertion or a totp code',
  )
}

export function publicApprover(approver: Approver): {
  id: string
  name: string
  role: string
  removed_at?: string
} {
  return {
    id: approver.id,
    name: approver.name,
    role: approver.role,
    ...(approver.removed_at !== undefined ? { removed_at: approver.removed_at } : {}),
  }
}
