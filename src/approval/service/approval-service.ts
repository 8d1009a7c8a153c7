import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { WardenError } from '../../errors.js'
import { createApiKeyProvider } from '../../identity/api-key.js'
import type { AuthContext } from '../../identity/auth-context.js'
import type { IdentityRequest } from '../../identity/provider.js'
import type { Approver, RequestFilter, Store } from '../../store/store.js'
import { DEFAULT_EXPIRY_SECONDS, type ApprovalRequest } from '../approval-request.js'
import { passkeyDecisionOptions } from '../passkey/passkey-decision.js'
import type { RelyingParty } from '../passkey/relying-party.js'
import { NO_RULES, type ApprovalRules } from '../rules/approval-rules.js'
import type { SecretBox } from '../secret-box.js'
import { spendingSummary, type SpendingSummaryItem } from '../spending/spending-summary.js'
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js'
import { PUBLIC_CALLBACKS } from '../webhooks/callback-target.js'
import * as accounts from './approver-accounts.js'
import { createRequest } from './create-request.js'
import * as execution from './execution.js'
import type { RequestCreator } from './request-input.js'
import { pendingRequest, resolveRequest, type DecisionInput } from './resolve-request.js'
import { announce } from './transition-effects.js'
import type { PushNotifier, ServiceContext } from './service-context.js'
import { waitForResolution } from './wait-for-resolution.js'

export interface ApprovalServiceOptions {
  store: Store
  box: SecretBox
  rp: RelyingParty
  publicUrl: string
  rules?: ApprovalRules
  timeZone?: string
  defaultExpirySeconds?: number
  now?: () => number
  webhooks?: WebhookDispatcher
  push?: PushNotifier
  onSideEffectError?: (error: unknown) => void
  /** Refuses agent callback URLs it gives a reason for; default: public addresses only. */
  checkCallback?: ((url: string) => Promise<string | undefined>) | 'any'
}

/** The approval service's operations; the HTTP API, the CLI and the bridge all call these. */
export type ApprovalService = ReturnType<typeof createApprovalService>

const SWEEP_MS = 10_000

export function createApprovalService(options: ApprovalServiceOptions) {
  const context: ServiceContext = {
    store: options.store,
    box: options.box,
    rp: options.rp,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    rules: options.rules ?? NO_RULES,
    timeZone: options.timeZone ?? 'UTC',
    defaultExpirySeconds: options.defaultExpirySeconds ?? DEFAULT_EXPIRY_SECONDS,
    now: options.now ?? Date.now,
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.push ? { push: options.push } : {}),
    onSideEffectError: options.onSideEffectError ?? (() => {}),
    ...(options.checkCallback === 'any'
      ? {}
      : { checkCallback: options.checkCallback ?? PUBLIC_CALLBACKS.refusal }),
  }
  const agentKeys = createApiKeyProvider({
    store: context.store,
    now: () => new Date(context.now()),
  })
  let sweeper: NodeJS.Timeout | undefined

  async function getRequest(id: string): Promise<ApprovalRequest> {
    const request = await context.store.getRequest(id, context.now())
    if (!request) {
      throw new WardenError('ERR_APPROVAL_NOT_FOUND', `approval request ${id} does not exist`)
    }
    return request
  }

  return {
    context,
    store: context.store,
    publicUrl: context.publicUrl,
    createRequest: (input: unknown, creator: RequestCreator) =>
      createRequest(context, input, creator),
    getRequest,
    /** The request if `createdBy` made it; another principal's request is "not found". */
    async getOwnRequest(id: string, createdBy: string): Promise<ApprovalRequest> {
      const request = await getRequest(id)
      if (request.created_by !== createdBy) {
        throw new WardenError('ERR_APPROVAL_NOT_FOUND', `approval request ${id} does not exist`)
      }
      return request
    },
    listRequests: (filter: RequestFilter) => context.store.listRequests(filter, context.now()),
    waitForResolution: (id: string, timeoutMs: number, signal?: AbortSignal) =>
      waitForResolution(context, id, timeoutMs, signal),
    /** WebAuthn options whose challenge commits to the hash the approver was shown. */
    async decisionOptions(
      id: string,
      decision: 'approve' | 'deny',
      shownHash: string,
      approver?: Approver,
    ): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const now = context.now()
      const request = await pendingRequest(context, id, now)
      if (shownHash !== request.content_hash) {
        throw new WardenError(
          'ERR_APPROVAL_HASH_MISMATCH',
          `approval request ${id} changed since it was shown; reload it and check again`,
        )
      }
      return passkeyDecisionOptions(context.store, context.rp, request, decision, approver, now)
    },
    resolve: (id: string, input: DecisionInput) => resolveRequest(context, id, input),
    claimExecution: (id: string, claim: execution.ClaimRequest) =>
      execution.claimExecution(context, id, claim),
    recordExecutionResult: (id: string, result: 'succeeded' | 'failed') =>
      execution.recordExecutionResult(context, id, result),
    withdraw: (id: string, createdBy: string) => execution.withdrawRequest(context, id, createdBy),
    spendingSummary: (agent: string): Promise<SpendingSummaryItem[]> =>
      spendingSummary(context.store, agent, context.now(), context.timeZone),
    createApprover: (input: { name: string; role?: 'admin' | 'approver' }) =>
      accounts.createApprover(context, input),
    removeApprover: (id: string) => accounts.removeApprover(context, id),
    createEnrolmentLink: (approver: Approver) => accounts.createEnrolmentLink(context, approver),
    enrollingApprover: (token: string) => accounts.enrollingApprover(context, token),
    finishEnrolment: (token: string) => accounts.finishEnrolment(context, token),
    openSession: (approver: Approver) => accounts.openSession(context, approver),
    sessionApprover: (token: string | undefined) => accounts.sessionApprover(context, token),
    closeSession: (token: string) => accounts.closeSession(context, token),
    createApiKey: (input: { name: string; agent_id?: string; roles?: string[] }) =>
      accounts.createApiKey(context, input),
    /** The agent behind an API key (Authorization: Bearer wk_… or X-API-Key). */
    async authenticateAgent(request: IdentityRequest): Promise<AuthContext> {
      const identity = await agentKeys.authenticate(request)
      if (!identity) throw new WardenError('ERR_AUTH_MISSING', 'an API key is required')
      return identity
    },
    /** Expires due requests every few seconds so their webhooks go out; the store enforces expiry anyway. */
    start(): void {
      if (sweeper) return
      sweeper = setInterval(() => void sweep(), SWEEP_MS)
      sweeper.unref()
      context.webhooks?.start()
    },
    async close(): Promise<void> {
      if (sweeper) clearInterval(sweeper)
      sweeper = undefined
      await context.webhooks?.stop()
    },
  }

  async function sweep(): Promise<void> {
    try {
      const expired = await context.store.expireDue(context.now())
      for (const id of expired) {
        const request = await context.store.getRequest(id, context.now())
        if (request) announce(context, 'approval.expired', request)
      }
    } catch (error) {
      context.onSideEffectError(error)
    }
  }
}
