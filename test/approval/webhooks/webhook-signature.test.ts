import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { WardenError } from '../../../src/errors.js'
import {
  signWebhook,
  verifyWebhookSignature,
} from '../../../src/approval/webhooks/webhook-signature.js'

const secret = 'whsec_test'
const id = 'dlv_abc'
const body = '{"event":"approval.approved"}'
const t = 1_750_000_000
const now = t * 1000

describe('signWebhook', () => {
  it('signs "<id>.<t>.<body>" with HMAC-SHA256 in the t=…,v1=… form', () => {
    const expected = createHmac('sha256', secret).update(`${id}.${t}.${body}`).digest('hex')
    expect(signWebhook(secret, id, t, body)).toBe(`t=${t},v1=${expected}`)
  })

  it('refuses a timestamp that is not unix seconds', () => {
    expect(() => signWebhook(secret, id, 1.5, body)).toThrow(WardenError)
    expect(() => signWebhook(secret, id, -1, body)).toThrow(/unix seconds/)
  })
})

describe('verifyWebhookSignature', () => {
  const header = signWebhook(secret, id, t, body)

  it('accepts a fresh, matching signature', () => {
    expect(verifyWebhookSignature(secret, header, id, body, { now })).toBe(true)
  })

  it('refuses a changed body, delivery id or secret', () => {
    expect(verifyWebhookSignature(secret, header, id, body + ' ', { now })).toBe(false)
    expect(verifyWebhookSignature(secret, header, 'dlv_other', body, { now })).toBe(false)
    expect(verifyWebhookSignature('whsec_other', header, id, body, { now })).toBe(false)
  })

  it('allows 300 s of clock difference either way by default', () => {
    expect(verifyWebhookSignature(secret, header, id, body, { now: now + 300_000 })).toBe(true)
    expect(verifyWebhookSignature(secret, header, id, body, { now: now + 300_001 })).toBe(false)
    expect(verifyWebhookSignature(secret, header, id, body, { now: now - 300_000 })).toBe(true)
    expect(verifyWebhookSignature(secret, header, id, body, { now: now - 300_001 })).toBe(false)
    expect(
      verifyWebhookSignature(secret, header, id, body, { now: now + 60_000, toleranceSeconds: 30 }),
    ).toBe(false)
  })

  it('refuses a re-timestamped signature', () => {
    const v1 = header.split(',v1=')[1]
    expect(verifyWebhookSignature(secret, `t=${t + 10},v1=${v1}`, id, body, { now })).toBe(false)
  })

  it('accepts any one of several v1 signatures (secret rotation)', () => {
    const other = signWebhook('whsec_old', id, t, body).split(',')[1]
    expect(verifyWebhookSignature(secret, `${header},${other}`, id, body, { now })).toBe(true)
    expect(verifyWebhookSignature('whsec_old', `${header},${other}`, id, body, { now })).toBe(true)
  })

  it('returns false for malformed headers instead of throwing', () => {
    for (const bad of [
      '',
      'garbage',
      `t=${t}`,
      `v1=${'0'.repeat(64)}`,
      `t=abc,v1=${'0'.repeat(64)}`,
      `t=${t},v1=xyz`,
      `t=${t},t=${t},${header.split(',')[1]}`,
      `t=${t},v1=${'A'.repeat(64)}`,
      'x'.repeat(10_000),
      undefined as unknown as string,
    ]) {
      expect(verifyWebhookSignature(secret, bad, id, body, { now })).toBe(false)
    }
  })
})
