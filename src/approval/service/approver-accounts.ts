import { WardenError } from '../../errors.js'
import { generateApiKey, type ApiKeyRecord } from '../../identity/api-key.js'
import { hashToken, newId, newToken } from '../../store/ids.js'
import type { Approver, TokenPurpose } from '../../store/store.js'
import type { ServiceContext } from './service-context.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
const ENROLMENT_TTL_MS = 24 * 3600_000
const SESSION_TTL_MS = 12 * 3600_000

export interface NewApproverResult {
  approver: Approver
  /** One-time link; the token sits in the fragment so servers and proxies never log it. */
  enrolment_url: string
  token: string
}

export async function createApprover(
  context: ServiceContext,
  input: { name: string; role?: 'admin' | 'approver' },
): Promise<NewApproverResult> {
  if (!NAME.test(input.name)) {
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      'name: 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
    )
  }
  if (await context.store.getApproverByName(input.name)) {
    throw new WardenError('ERR_APPROVAL_INVALID', `name: approver ${input.name} already exists`)
  }
  const approver = await context.store.createApprover({
    id: newId('apv'),
    name: input.name,
    role: input.role ?? 'approver',
    now: context.now(),
  })
  return { approver, ...(await createEnrolmentLink(context, approver)) }
}

/**
 * Takes an approver out of service at once: their sessions, enrolment links and push
 * subscriptions end and they can no longer sign in or approve. Their record and passkeys stay,
 * so what they approved can still be verified. The last admin cannot be removed.
 */
export async function removeApprover(context: ServiceContext, id: string): Promise<Approver> {
  const approver = await context.store.getApprover(id)
  if (!approver) throw new WardenError('ERR_APPROVER_NOT_FOUND', `no approver ${id}`)
  if (approver.role === 'admin') {
    const admins = (await context.store.listApprovers()).filter(
      (each) => each.role === 'admin' && each.removed_at === undefined,
    )
    if (admins.length <= 1) {
      throw new WardenError(
        'ERR_FORBIDDEN',
        `${approver.name} is the last admin; add another admin before removing them`,
      )
    }
  }
  const now = context.now()
  if (!(await context.store.removeApprover(id, now))) {
    throw new WardenError('ERR_APPROVER_NOT_FOUND', `no approver ${id}`)
  }
  const { totp: _removed, ...kept } = approver
  return { ...kept, removed_at: new Date(now).toISOString() }
}

/** A fresh one-time enrolment link for an existing approver (a new device, a lost phone). */
export async function createEnrolmentLink(
  context: ServiceContext,
  approver: Approver,
): Promise<{ enrolment_url: string; token: string }> {
  const token = await issueToken(context, 'enrolment', approver.id, ENROLMENT_TTL_MS)
  return { token, enrolment_url: `${context.publicUrl}/enrol#${token}` }
}

/** The approver an unused enrolment token belongs to; the token stays valid. */
export async function enrollingApprover(context: ServiceContext, token: string): Promise<Approver> {
  const record = await context.store.peekToken(hashToken(token), 'enrolment', context.now())
  const approver = record?.approver_id && (await context.store.getApprover(record.approver_id))
  if (!approver) {
    throw new WardenError('ERR_ENROLMENT_INVALID', 'the enrolment link is unknown, used or expired')
  }
  return approver
}

/** Uses up an enrolment token once the approver's first credential is in place. */
export async function finishEnrolment(context: ServiceContext, token: string): Promise<void> {
  const used = await context.store.consumeToken(hashToken(token), 'enrolment', context.now())
  if (!used) {
    throw new WardenError('ERR_ENROLMENT_INVALID', 'the enrolment link is unknown, used or expired')
  }
}

export async function openSession(context: ServiceContext, approver: Approver): Promise<string> {
  return issueToken(context, 'session', approver.id, SESSION_TTL_MS)
}

export async function sessionApprover(
  context: ServiceContext,
  token: string | undefined,
): Promise<Approver> {
  const record = token
    ? await context.store.peekToken(hashToken(token), 'session', context.now())
    : undefined
  const approver = record?.approver_id && (await context.store.getApprover(record.approver_id))
  if (!approver) {
    throw new WardenError('ERR_APPROVER_SESSION_INVALID', 'sign in to the inbox first')
  }
  return approver
}

export async function closeSession(context: ServiceContext, token: string): Promise<void> {
  await context.store.deleteToken(hashToken(token))
}

export interface NewApiKeyResult {
  /** Shown once; only its hash is stored. */
  key: string
  prefix: string
  record: ApiKeyRecord & { name?: string }
}

/** An agent key; the agent's requests are created by `agent_id` (default: the name). */
export async function createApiKey(
  context: ServiceContext,
  input: { name: string; agent_id?: string; roles?: string[] },
): Promise<NewApiKeyResult> {
  if (!NAME.test(input.name)) {
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      'name: 1-64 letters, digits, ".", "_", "@" or "-"',
    )
  }
  const generated = generateApiKey()
  const agentId = input.agent_id ?? input.name
  const record = {
    hash: generated.hash,
    prefix: generated.prefix,
    user_id: agentId,
    agent_id: agentId,
    roles: input.roles ?? [],
    created_at: new Date(context.now()).toISOString(),
    name: input.name,
  }
  await context.store.putApiKey(record)
  return { key: generated.key, prefix: generated.prefix, record }
}

async function issueToken(
  context: ServiceContext,
  purpose: TokenPurpose,
  approverId: string,
  ttlMs: number,
): Promise<string> {
  const token = newToken()
  const now = context.now()
  await context.store.putToken({
    hash: hashToken(token),
    purpose,
    approver_id: approverId,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + ttlMs).toISOString(),
  })
  return token
}
