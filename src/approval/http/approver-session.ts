import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { WardenError } from '../../errors.js'
import type { Approver } from '../../store/store.js'
import type { ApprovalService } from '../service/approval-service.js'

export const SESSION_COOKIE = 'warden_session'

export type ApproverEnv = { Variables: { approver: Approver; sessionToken: string } }

/** Sets the approver's session cookie: HttpOnly, SameSite=Strict, Secure on https. */
export function setSessionCookie(c: Context, token: string, publicUrl: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: publicUrl.startsWith('https:'),
    path: '/',
    maxAge: 12 * 3600,
  })
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' })
}

/**
 * Cross-site request forgery guard for state-changing approver calls: JSON only, and an
 * Origin equal to the service's public origin (SameSite=Strict is the second layer).
 */
export function sameOriginJson(publicUrl: string): MiddlewareHandler {
  const origin = new URL(publicUrl).origin
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const type = c.req.header('content-type') ?? ''
      if (c.req.method !== 'DELETE' && !type.toLowerCase().startsWith('application/json')) {
        throw new WardenError('ERR_FORBIDDEN', 'approver calls must send application/json')
      }
      if (c.req.header('origin') !== origin) {
        throw new WardenError('ERR_FORBIDDEN', `approver calls must come from ${origin}`)
      }
    }
    await next()
  }
}

/** Requires a signed-in approver (session cookie); optionally an admin. */
export function requireApprover(
  service: ApprovalService,
  role?: 'admin',
): MiddlewareHandler<ApproverEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE)
    const approver = await service.sessionApprover(token)
    if (role === 'admin' && approver.role !== 'admin') {
      throw new WardenError('ERR_FORBIDDEN', 'this needs an admin approver')
    }
    c.set('approver', approver)
    c.set('sessionToken', token ?? '')
    await next()
  }
}
