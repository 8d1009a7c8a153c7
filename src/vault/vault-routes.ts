import { Hono, type Context } from 'hono'
import { canonicalDigest } from '../audit/canonical-digest.js'
import { WardenError } from '../errors.js'
import { toApprovalView } from '../approval/approval-view.js'
import { errorResponse, readJsonBody } from '../approval/http/http-error.js'
import type { ApprovalService } from '../approval/service/approval-service.js'
import type { VaultSource } from './attached-vault.js'
import type { Vault } from './vault.js'
import { readVaultCall, vaultCallRequest } from './vault-call.js'

type VaultEnv = { Variables: { principal: string; vault: Vault } }

/** Shared with POST /actions: a vault call is one more request an agent creates. */
const CREATE_PER_MINUTE = 120

// Codes the vault raises that the generic API table does not know yet.
const VAULT_STATUS = { ERR_HOST_NOT_ALLOWED: 403, ERR_UPSTREAM_UNAVAILABLE: 502 } as const

/**
 * The agent's vault API, mounted at `/api/v1/vault` behind the API-key check:
 * `GET /services`, `POST /execute` (asks approval for a call) and `POST /execute/:id` (runs
 * the stored, approved call once; whatever the request body says is ignored).
 */
export function vaultRoutes(service: ApprovalService, source: VaultSource): Hono<VaultEnv> {
  const app = new Hono<VaultEnv>()
  app.onError(vaultErrorResponse)
  app.use('*', async (c, next) => {
    const vault = typeof source === 'function' ? await source() : source
    if (!vault) {
      throw new WardenError('ERR_VAULT_NOT_CONFIGURED', 'the credential vault is not configured')
    }
    c.set('vault', vault)
    await next()
  })

  app.get('/services', async (c) => c.json({ services: await c.get('vault').listServices() }))

  app.post('/execute', async (c) => {
    const principal = c.get('principal')
    const window = Math.floor(Date.now() / 60_000) * 60_000
    if ((await service.store.countAttempt(`create:${principal}`, window)) > CREATE_PER_MINUTE) {
      throw new WardenError('ERR_RATE_LIMITED', `more than ${CREATE_PER_MINUTE} requests a minute`)
    }
    const { call, request } = vaultCallRequest(await readJsonBody(c))
    // Refused before an approver is ever asked: unknown service, host, scheme or header.
    await c.get('vault').checkCall(call)
    const created = await service.createRequest(request, { created_by: principal })
    return c.json(toApprovalView(created, service.publicUrl), 201)
  })

  app.post('/execute/:id', async (c) => {
    const id = c.req.param('id')
    const principal = c.get('principal')
    const vault = c.get('vault')
    const request = await service.getOwnRequest(id, principal)
    const call = readVaultCall(request.parameters)
    if (!call) {
      throw new WardenError('ERR_APPROVAL_INVALID', `approval request ${id} is not a vault call`)
    }
    // A call the vault would refuse anyway keeps its approval unused.
    await vault.checkCall(call)
    const claimed = await service.claimExecution(id, {
      content_hash: canonicalDigest(request.parameters),
      created_by: principal,
    })
    let response
    try {
      response = await vault.execute(call, id)
    } catch (error) {
      await service.recordExecutionResult(id, 'failed')
      throw error
    }
    const ok = response.status_code >= 200 && response.status_code < 300
    await service.recordExecutionResult(id, ok ? 'succeeded' : 'failed')
    const { fingerprint } = toApprovalView(claimed, service.publicUrl)
    return c.json({ status: 'executed', request_id: id, fingerprint, response })
  })
  return app
}

function vaultErrorResponse(error: Error, c: Context): Response {
  if (error instanceof WardenError && error.code in VAULT_STATUS) {
    const status = VAULT_STATUS[error.code as keyof typeof VAULT_STATUS]
    return c.json({ error: { code: error.code, message: error.message } }, status)
  }
  return errorResponse(error, c)
}
