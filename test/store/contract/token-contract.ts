import { describe, expect, it } from 'vitest'
import { hashToken, newToken } from '../../../src/store/ids.js'
import type { OneTimeToken } from '../../../src/store/store.js'
import type { Harness } from '../contract.js'
import { iso, MINUTE, T0 } from './fixtures.js'

function token(overrides: Partial<OneTimeToken> = {}): OneTimeToken {
  return {
    hash: hashToken(newToken()),
    purpose: 'webauthn-approve',
    expires_at: iso(T0 + 5 * MINUTE),
    created_at: iso(T0),
    ...overrides,
  }
}

export function tokenContract(harness: Harness): void {
  describe('one-time tokens', () => {
    it('hands a token back once, with everything stored on it', async () => {
      const { store } = harness()
      const challenge = token({
        approver_id: 'apv_alice',
        request_id: 'apr_1',
        content_hash: 'ab'.repeat(32),
        data: { decision: 'approve', nested: { n: 1 } },
      })
      await store.putToken(challenge)
      expect(await store.peekToken(challenge.hash, 'webauthn-approve', T0)).toStrictEqual(challenge)
      expect(await store.consumeToken(challenge.hash, 'webauthn-approve', T0)).toStrictEqual(
        challenge,
      )
      expect(await store.consumeToken(challenge.hash, 'webauthn-approve', T0)).toBeUndefined()
      expect(await store.peekToken(challenge.hash, 'webauthn-approve', T0)).toBeUndefined()
    })

    it('refuses a token of another purpose, an expired one and an unknown one', async () => {
      const { store } = harness()
      const enrolment = token({ purpose: 'enrolment' })
      await store.putToken(enrolment)
      expect(await store.consumeToken(enrolment.hash, 'session', T0)).toBeUndefined()
      expect(await store.peekToken(enrolment.hash, 'enrolment', T0 + 5 * MINUTE)).toBeUndefined()
      expect(await store.consumeToken(enrolment.hash, 'enrolment', T0 + 5 * MINUTE)).toBeUndefined()
      expect(await store.consumeToken(hashToken('unknown'), 'enrolment', T0)).toBeUndefined()
      expect(await store.consumeToken(enrolment.hash, 'enrolment', T0 + 5 * MINUTE - 1)).toEqual(
        enrolment,
      )
    })

    it('lets exactly one of 30 concurrent consumers have the token', async () => {
      const { store } = harness()
      const session = token({ purpose: 'session' })
      await store.putToken(session)
      const taken = await Promise.all(
        Array.from({ length: 30 }, () => store.consumeToken(session.hash, 'session', T0)),
      )
      expect(taken.filter((found) => found !== undefined)).toHaveLength(1)
    })

    it('deletes a token', async () => {
      const { store } = harness()
      const session = token({ purpose: 'session' })
      await store.putToken(session)
      await store.deleteToken(session.hash)
      expect(await store.peekToken(session.hash, 'session', T0)).toBeUndefined()
      await store.deleteToken(session.hash)
    })
  })

  describe('attempt counters', () => {
    it('counts per key and per window', async () => {
      const { store } = harness()
      expect(await store.countAttempt('totp:apv_a', T0)).toBe(1)
      expect(await store.countAttempt('totp:apv_a', T0)).toBe(2)
      expect(await store.countAttempt('totp:apv_b', T0)).toBe(1)
      expect(await store.countAttempt('totp:apv_a', T0 + 5 * MINUTE)).toBe(1)
      expect(await store.countAttempt('totp:apv_a', T0)).toBe(3)
    })

    it('gives 20 concurrent attempts the counts 1 to 20', async () => {
      const { store } = harness()
      const counts = await Promise.all(
        Array.from({ length: 20 }, () => store.countAttempt('login:1.2.3.4', T0)),
      )
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    })
  })

  describe('API keys', () => {
    it('stores hashes, finds a key by hash, lists and revokes by prefix', async () => {
      const { store } = harness()
      const agent = {
        hash: hashToken('wk_agent'),
        prefix: 'AbCdEfGh',
        name: 'purchasing bot',
        user_id: 'svc-purchasing',
        agent_id: 'bot-1',
        roles: ['agent', 'buyer'],
        created_at: iso(T0),
        expires_at: iso(T0 + 30 * 24 * 60 * MINUTE),
      }
      const admin = {
        hash: hashToken('wk_admin'),
        prefix: 'ZyXwVuTs',
        user_id: 'ops',
        roles: ['warden:admin'],
        created_at: iso(T0 + 1),
      }
      await store.putApiKey(agent)
      await store.putApiKey(admin)
      expect(await store.lookup(agent.hash)).toStrictEqual(agent)
      expect(await store.lookup(hashToken('wk_nobody'))).toBeUndefined()
      expect(await store.listApiKeys()).toStrictEqual([agent, admin])
      expect(await store.revokeApiKey('AbCdEfGh', T0 + MINUTE)).toBe(true)
      expect(await store.revokeApiKey('AbCdEfGh', T0 + 2 * MINUTE)).toBe(true)
      expect(await store.revokeApiKey('nothere', T0)).toBe(false)
      expect(await store.lookup(agent.hash)).toStrictEqual({
        ...agent,
        revoked_at: iso(T0 + MINUTE),
      })
      expect(await store.lookup(admin.hash)).not.toHaveProperty('revoked_at')
    })
  })

  describe('settings', () => {
    it('keeps the first value put for a key', async () => {
      const { store } = harness()
      expect(await store.getSetting('vapid_keys')).toBeUndefined()
      expect(await store.putSettingIfAbsent('vapid_keys', 'first')).toBe('first')
      expect(await store.putSettingIfAbsent('vapid_keys', 'second')).toBe('first')
      expect(await store.getSetting('vapid_keys')).toBe('first')
      const raced = await Promise.all(
        ['a', 'b', 'c', 'd'].map((value) => store.putSettingIfAbsent('raced', value)),
      )
      expect(new Set(raced).size).toBe(1)
    })
  })
}
