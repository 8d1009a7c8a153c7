import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from './approval-harness.js'

interface Listed {
  id: string
  name: string
  role: string
  removed_at?: string
}

describe('removing an approver', () => {
  let h: ApprovalHarness
  let ada: TotpApprover
  let bob: TotpApprover
  let agent: (path: string, init?: RequestInit) => Promise<Response>

  beforeAll(async () => {
    h = await startApprovalHarness()
    ada = await h.totpApprover('ada', 'admin')
    bob = await h.totpApprover('bob')
    agent = h.agent(await h.agentKey('agent-1'))
  })
  afterAll(() => h?.close())

  const approvers = async () =>
    ((await (await ada.call('/api/v1/admin/approvers')).json()) as { approvers: Listed[] })
      .approvers
  const code = async (response: Response) =>
    ((await response.json()) as { error: { code: string } }).error.code

  it('ends their session and sign-in at once, and keeps them listed as removed', async () => {
    const created = await agent('/actions', {
      method: 'POST',
      body: JSON.stringify({ action_type: 'communication', title: 'Send it', parameters: {} }),
    })
    const { id, content_hash } = (await created.json()) as { id: string; content_hash: string }
    expect((await bob.call('/api/v1/inbox')).status).toBe(200)
    const bobId = (await approvers()).find((each) => each.name === 'bob')!.id

    const removed = await ada.call(`/api/v1/admin/approvers/${bobId}`, undefined, 'DELETE')
    expect(removed.status).toBe(200)
    expect(await removed.json()).toMatchObject({
      approver: { id: bobId, name: 'bob', removed_at: new Date(h.clock.now).toISOString() },
    })

    // The session cookie bob still holds is dead, for reading and for deciding.
    const inbox = await bob.call('/api/v1/inbox')
    expect(inbox.status).toBe(401)
    expect(await code(inbox)).toBe('ERR_APPROVER_SESSION_INVALID')
    h.clock.now += 30_000
    const approve = await bob.call(`/api/v1/inbox/${id}/approve`, {
      totp: await bob.code(),
      content_hash,
    })
    expect(approve.status).toBe(401)
    // Signing in again with a valid TOTP code is refused like a wrong name.
    const signIn = await ada.call('/api/v1/session/totp', { name: 'bob', code: await bob.code() })
    expect(signIn.status).not.toBe(200)
    expect(await code(signIn)).toBe('ERR_TOTP_INVALID')
    // The request is still pending, for the approvers who remain.
    const view = await agent(`/actions/${id}`)
    expect(((await view.json()) as { status: string }).status).toBe('pending')

    expect((await approvers()).find((each) => each.id === bobId)?.removed_at).toBeDefined()
    const again = await ada.call(`/api/v1/admin/approvers/${bobId}`, undefined, 'DELETE')
    expect(again.status).toBe(404)
  })

  it('refuses to remove the last admin', async () => {
    const adaId = (await approvers()).find((each) => each.name === 'ada')!.id
    const refused = await ada.call(`/api/v1/admin/approvers/${adaId}`, undefined, 'DELETE')
    expect(refused.status).toBe(403)
    expect(await code(refused)).toBe('ERR_FORBIDDEN')
    expect((await ada.call('/api/v1/inbox')).status).toBe(200)
  })

  it('is for admins only', async () => {
    const carol = await h.totpApprover('carol')
    const adaId = (await approvers()).find((each) => each.name === 'ada')!.id
    const refused = await carol.call(`/api/v1/admin/approvers/${adaId}`, undefined, 'DELETE')
    expect(refused.status).toBe(403)
  })
})
