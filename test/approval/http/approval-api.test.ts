import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from './approval-harness.js'

type View = Record<string, unknown> & { id: string; status: string; content_hash: string }

describe('the approval HTTP API', () => {
  let h: ApprovalHarness
  let alice: TotpApprover
  let agent: (path: string, init?: RequestInit) => Promise<Response>
  let other: (path: string, init?: RequestInit) => Promise<Response>

  beforeAll(async () => {
    h = await startApprovalHarness()
    alice = await h.totpApprover('alice', 'admin')
    agent = h.agent(await h.agentKey('agent-1'))
    other = h.agent(await h.agentKey('agent-2'))
  })
  afterAll(() => h?.close())

  const create = async (body: Record<string, unknown>, as = agent): Promise<View> => {
    const response = await as('/actions', { method: 'POST', body: JSON.stringify(body) })
    expect(response.status, await response.clone().text()).toBe(201)
    return (await response.json()) as View
  }
  const decide = async (
    id: string,
    decision: 'approve' | 'deny',
    extra: Record<string, unknown> = {},
  ) => {
    h.clock.now += 30_000
    const shown = (await (await alice.call(`/api/v1/inbox/${id}`)).json()) as View
    return alice.call(`/api/v1/inbox/${id}/${decision}`, {
      totp: await alice.code(),
      content_hash: shown.content_hash,
      ...extra,
    })
  }

  it('creates a pending request whose content hash is the JCS SHA-256 of its parameters', async () => {
    const parameters = { to: 'investors@example.com', subject: 'Q4', attachments: 2 }
    const view = await create({ action_type: 'communication', title: 'Send Q4 report', parameters })
    expect(view).toMatchObject({ status: 'pending', risk_level: 'low', created_by: 'agent-1' })
    expect(view.content_hash).toBe(canonicalDigest(parameters))
    expect(view.fingerprint).toBe(
      `${view.content_hash.slice(0, 4)} ${view.content_hash.slice(4, 8)}`.toUpperCase(),
    )
    expect(view).not.toHaveProperty('evidence')
  })

  it('never lets a declared risk fall below the action type default', async () => {
    const view = await create({ action_type: 'legal', title: 'Sign NDA', risk_level: 'low' })
    expect(view.risk_level).toBe('critical')
  })

  it('wakes a waiting agent when an approver approves with TOTP', async () => {
    const view = await create({
      action_type: 'purchase',
      title: 'Buy credits',
      amount: 20,
      currency: 'USD',
    })
    const waiting = agent(`/actions/${view.id}/wait?timeout=30`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const approved = await decide(view.id, 'approve')
    expect(approved.status, await approved.clone().text()).toBe(200)
    const waited = (await (await waiting).json()) as View
    expect(waited).toMatchObject({ id: view.id, status: 'approved', method: 'totp' })
  })

  it('returns a pending request when the wait times out', async () => {
    const view = await create({ action_type: 'scheduling', title: 'Book lunch' })
    const waited = (await (await agent(`/actions/${view.id}/wait?timeout=0`)).json()) as View
    expect(waited.status).toBe('pending')
  })

  it('executes an approval once, and only for the approved hash', async () => {
    const view = await create({
      action_type: 'system',
      title: 'Restart db',
      parameters: { host: 'db-1' },
    })
    expect((await decide(view.id, 'approve')).status).toBe(200)
    const claim = (content_hash: string) =>
      agent(`/actions/${view.id}/claim`, { method: 'POST', body: JSON.stringify({ content_hash }) })
    const wrong = await claim(canonicalDigest({ host: 'db-2' }))
    expect(wrong.status).toBe(409)
    const results = await Promise.all(Array.from({ length: 20 }, () => claim(view.content_hash)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(results.filter((r) => r.status === 409)).toHaveLength(19)
    const body = (await (await agent(`/actions/${view.id}`)).json()) as View
    expect(body.status).toBe('executed')
  })

  it('refuses the same TOTP time step twice', async () => {
    const first = await create({ action_type: 'social', title: 'Post A' })
    const second = await create({ action_type: 'social', title: 'Post B' })
    h.clock.now += 30_000
    const code = await alice.code()
    const approve = (id: string, content_hash: string) =>
      alice.call(`/api/v1/inbox/${id}/approve`, { totp: code, content_hash })
    expect((await approve(first.id, first.content_hash)).status).toBe(200)
    const replay = await approve(second.id, second.content_hash)
    expect(replay.status).toBe(403)
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe(
      'ERR_TOTP_REPLAYED',
    )
  })

  it('denies with a reason, and a second decision gets 409', async () => {
    const view = await create({ action_type: 'social', title: 'Tweet' })
    const denied = await decide(view.id, 'deny', { reason: 'needs review' })
    expect(await denied.json()).toMatchObject({ status: 'denied', deny_reason: 'needs review' })
    expect((await decide(view.id, 'approve')).status).toBe(409)
  })

  it('refuses an approval for a hash other than the stored one', async () => {
    const view = await create({ action_type: 'communication', title: 'Email' })
    h.clock.now += 30_000
    const response = await alice.call(`/api/v1/inbox/${view.id}/approve`, {
      totp: await alice.code(),
      content_hash: canonicalDigest({ something: 'else' }),
    })
    expect(response.status).toBe(409)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'ERR_APPROVAL_HASH_MISMATCH',
    )
  })

  it('refuses to approve an expired request (410), without any timer', async () => {
    const view = await create({ action_type: 'communication', title: 'Late', expires_in: 10 })
    h.clock.now += 11_000
    const response = await decide(view.id, 'approve')
    expect([404, 410]).toContain(response.status)
    expect(((await (await agent(`/actions/${view.id}`)).json()) as View).status).toBe('expired')
  })

  it('answers bad input with JSON errors and the right status', async () => {
    const noKey = await fetch(`${h.url}/api/v1/actions`)
    expect(noKey.status).toBe(401)
    const badJson = await agent('/actions', { method: 'POST', body: '{' })
    expect(badJson.status).toBe(400)
    const invalid = await agent('/actions', {
      method: 'POST',
      body: JSON.stringify({ action_type: 'teleport', title: 'x' }),
    })
    expect(invalid.status).toBe(422)
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toMatch(
      /^action_type:/,
    )
    const unsafe = await agent('/actions', {
      method: 'POST',
      body: JSON.stringify({ action_type: 'system', title: 'x', parameters: { n: 2 ** 60 } }),
    })
    expect(unsafe.status).toBe(422)
  })

  it("hides another agent's requests", async () => {
    const view = await create({ action_type: 'communication', title: 'Mine' })
    expect((await other(`/actions/${view.id}`)).status).toBe(404)
    const list = (await (await other('/actions')).json()) as { actions: View[] }
    expect(list.actions.map((a) => a.id)).not.toContain(view.id)
  })

  it('refuses approver calls without the service origin', async () => {
    const view = await create({ action_type: 'communication', title: 'CSRF' })
    const response = await fetch(`${h.url}/api/v1/inbox/${view.id}/approve`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: alice.cookie,
        origin: 'https://evil.example',
      },
      body: JSON.stringify({ totp: '000000', content_hash: view.content_hash }),
    })
    expect(response.status).toBe(403)
  })

  it('denies a purchase that would exceed a spending limit, with the figures', async () => {
    const limit = await alice.call('/api/v1/admin/limits', {
      agent: 'agent-2',
      action_type: 'purchase',
      period: 'monthly',
      limit: 100,
    })
    expect(limit.status, await limit.clone().text()).toBe(201)
    const first = await create({ action_type: 'purchase', title: 'Credits', amount: 60 }, other)
    expect((await decide(first.id, 'approve')).status).toBe(200)
    const second = await create({ action_type: 'purchase', title: 'More', amount: 50 }, other)
    expect(second.status).toBe('denied')
    expect(second.deny_reason).toMatch(/limit 100, spent 60, remaining 40, requested 50/)
    const summary = (await (await other('/agent/spending-summary')).json()) as {
      summaries: { limit: number; spent: number; remaining: number; utilization_pct: number }[]
    }
    expect(summary.summaries[0]).toMatchObject({
      limit: 100,
      spent: 60,
      remaining: 40,
      utilization_pct: 60,
    })
  })
})
