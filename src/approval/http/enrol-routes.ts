import { Hono } from 'hono'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import {
  passkeyRegistrationOptions,
  verifyPasskeyRegistration,
} from '../passkey/passkey-registration.js'
import { confirmTotpSetup, startTotpSetup } from '../totp/totp-setup.js'
import type { ApprovalService } from '../service/approval-service.js'
import { setSessionCookie } from './approver-session.js'
import { readJsonBody, requireString } from './http-error.js'
import { publicApprover } from './approver-routes.js'

/**
 * Enrolment through a one-time link: the first passkey (user verification required) or a
 * TOTP authenticator. The link is used up when the credential is in place.
 */
export function enrolRoutes(service: ApprovalService, issuer: string): Hono {
  const app = new Hono()
  const { store, rp, box, now } = service.context

  app.post('/passkey/options', async (c) => {
    const approver = await service.enrollingApprover(requireString(await readJsonBody(c), 'token'))
    return c.json(await passkeyRegistrationOptions(store, rp, approver, now()))
  })

  app.post('/passkey', async (c) => {
    const body = await readJsonBody(c)
    const token = requireString(body, 'token')
    const approver = await service.enrollingApprover(token)
    if (typeof body.response !== 'object' || body.response === null) {
      throw new WardenError('ERR_APPROVAL_INVALID', 'response: must be the registration response')
    }
    await verifyPasskeyRegistration(
      store,
      rp,
      approver,
      body.response as RegistrationResponseJSON,
      now(),
      typeof body.label === 'string' ? body.label.slice(0, 100) : undefined,
    )
    await service.finishEnrolment(token)
    setSessionCookie(c, await service.openSession(approver), service.publicUrl)
    return c.json({ approver: publicApprover(approver) })
  })

  app.post('/totp/setup', async (c) => {
    const approver = await service.enrollingApprover(requireString(await readJsonBody(c), 'token'))
    const setup = await startTotpSetup(store, box, approver, issuer)
    return c.json({ provisioning_uri: setup.provisioning_uri, qr_svg: setup.qr_svg })
  })

  app.post('/totp', async (c) => {
    const body = await readJsonBody(c)
    const token = requireString(body, 'token')
    const approver = await service.enrollingApprover(token)
    await confirmTotpSetup(store, box, approver, requireString(body, 'code'), now())
    await service.finishEnrolment(token)
    setSessionCookie(c, await service.openSession(approver), service.publicUrl)
    return c.json({ approver: publicApprover(approver) })
  })
  return app
}
