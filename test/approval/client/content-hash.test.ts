import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fingerprint as serverFingerprint } from '../../../src/approval/fingerprint.js'
import { toApprovalView } from '../../../src/approval/approval-view.js'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import {
  computeContentHash,
  fingerprint,
  verifyAction,
  WardenClient,
  WardenError,
} from '../../../src/approval/client/index.js'
import { retryAfterSeconds } from '../../../src/approval/client/client-errors.js'

const parameters = { to: 'investors@acme.com', subject: 'Q4', amount: 12.5, tags: ['a', 'b'] }

function viewOf(params: unknown) {
  const request: ApprovalRequest = {
    id: 'apr_test',
    created_by: 'bot',
    action_type: 'communication',
    title: 'Send Q4',
    risk_level: 'low',
    parameters: params as ApprovalRequest['parameters'],
    content_hash: computeContentHash(params),
    created_at: '2026-03-02T09:00:00.000Z',
    expires_at: '2026-03-02T09:05:00.000Z',
    status: 'approved',
  }
  return toApprovalView(request, 'https://warden.example')
}

describe('computeContentHash', () => {
  it('is the SHA-256 of the RFC 8785 form, whatever the key order', () => {
    const jcs = '{"amount":12.5,"subject":"Q4","tags":["a","b"],"to":"investors@acme.com"}'
    const expected = createHash('sha256').update(jcs).digest('hex')
    expect(computeContentHash(parameters)).toBe(expected)
    expect(
      computeContentHash({ tags: ['a', 'b'], to: parameters.to, amount: 12.5, subject: 'Q4' }),
    ).toBe(expected)
  })

  it('refuses values two parties could read differently', () => {
    expect(() => computeContentHash({ n: 2 ** 60 })).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_CANONICALIZABLE' }),
    )
  })
})

describe('fingerprint', () => {
  it('shows the first 4 bytes as two upper-case hex groups, as the server does', () => {
    const hash = computeContentHash(parameters)
    expect(fingerprint(hash)).toMatch(/^[0-9A-F]{4} [0-9A-F]{4}$/)
    expect(fingerprint(hash)).toBe(serverFingerprint(hash))
    expect(fingerprint('3fa90c12' + '0'.repeat(56))).toBe('3FA9 0C12')
  })
})

describe('verifyAction', () => {
  it('returns the view when it covers exactly the expected parameters', () => {
    const view = viewOf(parameters)
    expect(verifyAction(view, { ...parameters })).toBe(view)
  })

  it('throws ERR_APPROVAL_HASH_MISMATCH when the parameters differ', () => {
    const view = viewOf(parameters)
    expect(() => verifyAction(view, { ...parameters, to: 'attacker@evil.example' })).toThrow(
      expect.objectContaining({ code: 'ERR_APPROVAL_HASH_MISMATCH' }),
    )
  })

  it('throws when the fingerprint does not belong to the hash', () => {
    const view = { ...viewOf(parameters), fingerprint: '0000 0000' }
    expect(() => verifyAction(view, parameters)).toThrow(WardenError)
  })
})

describe('new WardenClient', () => {
  it('reads WARDEN_API_KEY and WARDEN_URL, trimming the trailing slash', () => {
    const client = new WardenClient({
      env: { WARDEN_API_KEY: 'wk_x', WARDEN_URL: 'https://warden.example/base/' },
    })
    expect(client.baseUrl).toBe('https://warden.example/base')
  })

  it('defaults to http://127.0.0.1:8788', () => {
    expect(new WardenClient({ env: { WARDEN_API_KEY: 'wk_x' } }).baseUrl).toBe(
      'http://127.0.0.1:8788',
    )
  })

  it('refuses to start without an API key', () => {
    expect(() => new WardenClient({ env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_AUTH_MISSING' }),
    )
  })

  it('refuses a URL that is not http(s)', () => {
    expect(() => new WardenClient({ apiKey: 'wk_x', baseUrl: 'ftp://warden' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-03-02T09:00:00Z')
    expect(retryAfterSeconds('60', now)).toBe(60)
    expect(retryAfterSeconds('Mon, 02 Mar 2026 09:00:30 GMT', now)).toBe(30)
    expect(retryAfterSeconds(null, now)).toBeUndefined()
    expect(retryAfterSeconds('soon', now)).toBeUndefined()
  })
})
