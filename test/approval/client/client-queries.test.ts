import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RateLimitError,
  WardenApiError,
  WardenClient,
  contractRequest,
  dataAccessRequest,
  emailRequest,
  postRequest,
  purchaseRequest,
  verifyAction,
  type ApprovalView,
} from '../../../src/approval/client/index.js'
import { startApprovalHarness, type ApprovalHarness } from './approval-harness.js'

describe('WardenClient queries, convenience methods and errors', () => {
  let harness: ApprovalHarness
  let client: WardenClient
  beforeAll(async () => {
    harness = await startApprovalHarness()
    client = new WardenClient({ apiKey: harness.apiKey, baseUrl: harness.url })
  })
  afterAll(() => harness.close())

  it('sends each convenience shape with explicit parameters the agent can verify', async () => {
    const cases: [Promise<ApprovalView>, ReturnType<typeof emailRequest>, string][] = [
      [
        client.requestEmail({
          recipient: 'team@acme.com',
          subject: 'Update',
          preview: 'Q4 numbers',
        }),
        emailRequest({ recipient: 'team@acme.com', subject: 'Update', preview: 'Q4 numbers' }),
        'low',
      ],
      [
        client.requestPurchase({ amount: 49.99, merchant: 'DigitalOcean', currency: 'USD' }),
        purchaseRequest({ amount: 49.99, merchant: 'DigitalOcean', currency: 'USD' }),
        'medium',
      ],
      [
        client.requestPost({ platform: 'Mastodon', content: 'We shipped v1' }),
        postRequest({ platform: 'Mastodon', content: 'We shipped v1' }),
        'medium',
      ],
      [
        client.requestDataAccess({ resource: 'production-db', reason: 'Monthly export' }),
        dataAccessRequest({ resource: 'production-db', reason: 'Monthly export' }),
        'high',
      ],
      [
        client.requestContract({ title: 'NDA with Acme', counterparty: 'Acme Corp' }),
        contractRequest({ title: 'NDA with Acme', counterparty: 'Acme Corp' }),
        'critical',
      ],
    ]
    for (const [sent, body, risk] of cases) {
      const view = await sent
      expect(view).toMatchObject({
        action_type: body.action_type,
        title: body.title,
        risk_level: risk,
      })
      expect(view.parameters).toEqual(body.parameters)
      expect(verifyAction(view, body.parameters)).toBe(view)
    }
    const booking = await client.requestBooking({
      title: 'Team lunch',
      amount: 850,
      currency: 'EUR',
    })
    expect(booking).toMatchObject({ action_type: 'scheduling', amount: 850, status: 'pending' })
    expect(booking.parameters).toEqual({
      kind: 'booking',
      title: 'Team lunch',
      amount: 850,
      currency: 'EUR',
    })
  })

  it('lists its own history, newest first, filtered by status and action type', async () => {
    harness.advance(1_000)
    await client.requestAction({ action_type: 'system', title: 'Rotate the logs' })
    harness.advance(1_000)
    await client.requestAction({ action_type: 'system', title: 'Restart the API' })
    const history = await client.getHistory({ limit: 2 })
    expect(history.actions.map((a) => a.title)).toEqual(['Restart the API', 'Rotate the logs'])
    const legal = await client.getHistory({ action_type: 'legal', status: 'pending' })
    expect(legal.actions.map((a) => a.title)).toEqual(['NDA with Acme'])
  })

  it('sees no other agent’s requests (404)', async () => {
    const mine = (await client.getHistory({ limit: 1 })).actions[0]!
    const other = new WardenClient({
      apiKey: await harness.newAgentKey('other-bot'),
      baseUrl: harness.url,
    })
    expect((await other.getHistory()).actions).toEqual([])
    const error = await other.getAction(mine.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WardenApiError)
    expect(error).toMatchObject({ status: 404, code: 'ERR_APPROVAL_NOT_FOUND' })
  })

  it('reports spending against the limits that apply to it', async () => {
    const adminKey = await harness.newAgentKey('ops-admin', ['warden:admin'])
    const created = await fetch(`${harness.url}/api/v1/admin/limits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agent: 'sdk-agent',
        action_type: 'purchase',
        period: 'monthly',
        limit: 500,
        currency: 'USD',
      }),
    })
    expect(created.status).toBe(201)
    const view = await client.requestPurchase({ amount: 120, merchant: 'Hetzner', currency: 'USD' })
    await harness.approve(view.id)
    const { summaries } = await client.getSpendingSummary()
    expect(summaries).toHaveLength(1)
    expect(summaries[0]).toMatchObject({
      agent: 'sdk-agent',
      action_type: 'purchase',
      period: 'monthly',
      limit: 500,
      spent: 120,
      remaining: 380,
      utilization_pct: 24,
    })
  })

  it('turns a refused body into a 422 WardenApiError naming the field', async () => {
    const error = await client
      .requestAction({ action_type: 'purchase', title: 'Buy', currency: 'usd' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WardenApiError)
    expect(error).toMatchObject({ status: 422, code: 'ERR_APPROVAL_INVALID' })
    expect((error as Error).message).toContain('currency')
  })

  it('turns a wrong key into a 401 WardenApiError', async () => {
    const stranger = new WardenClient({ apiKey: 'wk_not_a_real_key', baseUrl: harness.url })
    const error = await stranger.getHistory().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WardenApiError)
    expect((error as WardenApiError).status).toBe(401)
    expect((error as WardenApiError).code).toMatch(/^ERR_(AUTH|API_KEY)_/)
  })

  it('answers the vault calls with 501 ERR_VAULT_NOT_CONFIGURED', async () => {
    await expect(client.listVaultServices()).rejects.toMatchObject({
      name: 'WardenApiError',
      status: 501,
      code: 'ERR_VAULT_NOT_CONFIGURED',
    })
    const call = {
      service_name: 'github',
      method: 'GET' as const,
      url: 'https://api.github.com/user',
    }
    await expect(client.executeApiCall(call)).rejects.toMatchObject({
      status: 501,
      code: 'ERR_VAULT_NOT_CONFIGURED',
    })
  })

  it('raises RateLimitError with Retry-After when an agent creates too many requests', async () => {
    const flooder = new WardenClient({
      apiKey: await harness.newAgentKey('flood-bot'),
      baseUrl: harness.url,
    })
    let limited: unknown
    for (let i = 0; i < 300 && limited === undefined; i++) {
      await flooder
        .requestAction({ action_type: 'communication', title: `ping ${i}` })
        .catch((e: unknown) => (limited = e))
    }
    expect(limited).toBeInstanceOf(RateLimitError)
    expect(limited).toBeInstanceOf(WardenApiError)
    expect(limited).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED', retryAfter: 60 })
  })

  it('reports an unreachable service as status 0 ERR_APPROVAL_BACKEND_UNAVAILABLE', async () => {
    const closed = await startApprovalHarness()
    const url = closed.url
    await closed.close()
    const error = await new WardenClient({ apiKey: 'wk_x', baseUrl: url })
      .getHistory()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WardenApiError)
    expect(error).toMatchObject({ status: 0, code: 'ERR_APPROVAL_BACKEND_UNAVAILABLE' })
  })
})
