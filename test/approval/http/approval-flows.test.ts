import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseApprovalRules } from '../../../src/approval/rules/parse-approval-rules.js'
import { startReceiver, type TestReceiver } from '../webhooks/test-receiver.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from './approval-harness.js'

type View = {
  id: string
  status: string
  method?: string
  resolved_by?: string
  content_hash: string
}

const rules = parseApprovalRules(
  [
    'kind: approval-rules',
    'rules:',
    '  - { name: small-purchases, effect: auto_approve, action_types: [purchase], max_amount: 10 }',
    '  - { name: no-legal-bots, effect: auto_deny, action_types: [legal], agents: ["bot-*"] }',
  ].join('\n'),
  'rules.yaml',
)

describe('approval flows over HTTP', () => {
  let h: ApprovalHarness
  let admin: TotpApprover
  let receiver: TestReceiver
  let callbackSecret = ''

  beforeAll(async () => {
    h = await startApprovalHarness({ rules, allowPrivateCallbacks: true })
    admin = await h.totpApprover('root', 'admin')
    const secret = await admin.call('/api/v1/admin/callback-secret')
    callbackSecret = ((await secret.json()) as { secret: string }).secret
    receiver = await startReceiver(() => callbackSecret)
    receiver.clock = h.clock.now
  })
  afterAll(async () => {
    await receiver?.close()
    await h?.close()
  })

  const create = async (key: string, body: Record<string, unknown>): Promise<View> => {
    const response = await h.agent(key)('/actions', { method: 'POST', body: JSON.stringify(body) })
    expect(response.status, await response.clone().text()).toBe(201)
    return (await response.json()) as View
  }

  it('auto-approves by rule and records the rule as the method', async () => {
    const view = await create(await h.agentKey('shopper'), {
      action_type: 'purchase',
      title: 'Coffee',
      amount: 4.5,
      currency: 'EUR',
    })
    expect(view).toMatchObject({
      status: 'approved',
      method: 'rule',
      resolved_by: 'rule:small-purchases',
    })
  })

  it('auto-denies by rule for a matching agent only', async () => {
    const bot = await create(await h.agentKey('bot-7'), { action_type: 'legal', title: 'Sign' })
    expect(bot).toMatchObject({
      status: 'denied',
      method: 'rule',
      resolved_by: 'rule:no-legal-bots',
    })
    const person = await create(await h.agentKey('assistant'), {
      action_type: 'legal',
      title: 'Sign',
    })
    expect(person.status).toBe('pending')
  })

  it("signs every callback_url delivery with the service's callback secret", async () => {
    const key = await h.agentKey('notifier')
    const view = await create(key, {
      action_type: 'communication',
      title: 'Notify',
      callback_url: receiver.url('/hook'),
    })
    h.clock.now += 30_000
    const approved = await admin.call(`/api/v1/inbox/${view.id}/approve`, {
      totp: await admin.code(),
      content_hash: view.content_hash,
    })
    expect(approved.status).toBe(200)
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    const events = receiver.received.map((r) => r.headers['x-warden-event'])
    expect(events).toEqual(['approval.requested', 'approval.approved'])
    expect(receiver.received.every((r) => r.verified)).toBe(true)
    const body = JSON.parse(receiver.received[1]!.body) as { action: View }
    expect(body.action).toMatchObject({ id: view.id, status: 'approved' })
    const log = await admin.call(`/api/v1/admin/deliveries?request_id=${view.id}`)
    const deliveries = ((await log.json()) as { deliveries: { status: string }[] }).deliveries
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered'])
  })

  it("refuses an agent's callback_url on a private address unless allowed", async () => {
    const strict = await startApprovalHarness()
    try {
      const key = await strict.agentKey('hooker')
      for (const url of [
        'http://127.0.0.1:9/hook',
        'http://[::1]/x',
        'http://2130706433/',
        'http://169.254.169.254/latest',
        'http://10.0.0.7/',
      ]) {
        const response = await strict.agent(key)('/actions', {
          method: 'POST',
          body: JSON.stringify({ action_type: 'communication', title: 'x', callback_url: url }),
        })
        expect(response.status, url).toBe(422)
        expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
          /^callback_url: /,
        )
      }
      const localhost = await strict.agent(key)('/actions', {
        method: 'POST',
        body: JSON.stringify({
          action_type: 'communication',
          title: 'x',
          callback_url: 'http://localhost:9/',
        }),
      })
      expect(localhost.status).toBe(422)
    } finally {
      await strict.close()
    }
  })

  it('uses an enrolment link once', async () => {
    const { token } = await h.server.service.createApprover({ name: 'carol' })
    const origin = h.server.service.publicUrl
    const post = (path: string, body: unknown) =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify(body),
      })
    const setup = (await (await post('/api/v1/enrol/totp/setup', { token })).json()) as {
      provisioning_uri: string
      qr_svg: string
    }
    expect(setup.provisioning_uri).toMatch(/^otpauth:\/\/totp\//)
    expect(setup.qr_svg).toMatch(/<svg/)
    const { generate } = await import('otplib')
    const secret = new URL(setup.provisioning_uri).searchParams.get('secret')!
    const code = await generate({ secret, epoch: Math.floor(h.clock.now / 1000) })
    expect((await post('/api/v1/enrol/totp', { token, code })).status).toBe(200)
    const again = await post('/api/v1/enrol/totp/setup', { token })
    expect(again.status).toBe(403)
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'ERR_ENROLMENT_INVALID',
    )
  })

  it('lets an admin API key manage agent keys, and refuses a plain agent key', async () => {
    const adminKey = await h.agentKey('ops', ['warden:admin'])
    const created = await h.agent(adminKey)('/admin/keys', {
      method: 'POST',
      body: JSON.stringify({ name: 'new-agent' }),
    })
    expect(created.status).toBe(201)
    const { key, prefix } = (await created.json()) as { key: string; prefix: string }
    expect((await h.agent(key)('/actions')).status).toBe(200)
    expect((await h.agent(adminKey)(`/admin/keys/${prefix}`, { method: 'DELETE' })).status).toBe(
      204,
    )
    const revoked = await h.agent(key)('/actions')
    expect(revoked.status).toBe(401)
    const plain = await h.agent(await h.agentKey('plain'))('/admin/keys')
    expect(plain.status).toBe(403)
  })

  it('lets an agent withdraw its pending request', async () => {
    const key = await h.agentKey('withdrawer')
    const view = await create(key, { action_type: 'communication', title: 'Maybe' })
    const cancelled = await h.agent(key)(`/actions/${view.id}/cancel`, { method: 'POST' })
    expect(await cancelled.json()).toMatchObject({ status: 'denied', deny_reason: 'withdrawn' })
  })
})
