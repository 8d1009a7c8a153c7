import { describe, expect, it } from 'vitest'
import { WardenError } from '../../../src/errors.js'
import { newId } from '../../../src/store/ids.js'
import type { PasskeyCredential } from '../../../src/store/store.js'
import type { Harness } from '../contract.js'
import { iso, T0 } from './fixtures.js'

export function approverContract(harness: Harness): void {
  async function alice() {
    return harness().store.createApprover({
      id: newId('apv'),
      name: 'alice',
      role: 'admin',
      now: T0,
    })
  }

  async function bobApprover(now = T0) {
    return harness().store.createApprover({ id: newId('apv'), name: 'bob', role: 'approver', now })
  }

  function passkey(
    approverId: string,
    overrides: Partial<PasskeyCredential> = {},
  ): PasskeyCredential {
    return {
      id: newId('cred'),
      approver_id: approverId,
      public_key: 'pQECAyYgASFYIGJ5dGVz',
      counter: 0,
      user_verified: true,
      created_at: iso(T0),
      ...overrides,
    }
  }

  describe('approvers', () => {
    it('creates approvers and finds them by id and by name', async () => {
      const { store } = harness()
      const admin = await alice()
      const bob = await bobApprover(T0 + 1)
      expect(admin).toStrictEqual({
        id: admin.id,
        name: 'alice',
        role: 'admin',
        created_at: iso(T0),
      })
      expect(await store.getApprover(admin.id)).toStrictEqual(admin)
      expect(await store.getApproverByName('bob')).toStrictEqual(bob)
      expect(await store.getApprover('apv_missing')).toBeUndefined()
      expect(await store.getApproverByName('carol')).toBeUndefined()
      expect(await store.listApprovers()).toStrictEqual([admin, bob])
    })

    it('removes an approver from service, keeping the record and passkeys for verification', async () => {
      const { store } = harness()
      const admin = await alice()
      const bob = await bobApprover()
      await store.setTotp(admin.id, { encrypted_secret: 'sealed', enabled: true })
      const key = passkey(admin.id)
      await store.addPasskey(key)
      const token = (hash: string, purpose: 'session' | 'enrolment', approverId: string) => ({
        hash,
        purpose,
        approver_id: approverId,
        created_at: iso(T0),
        expires_at: iso(T0 + 3_600_000),
      })
      await store.putToken(token('session-a', 'session', admin.id))
      await store.putToken(token('enrol-a', 'enrolment', admin.id))
      await store.putToken(token('session-b', 'session', bob.id))
      const subscription = (endpoint: string, approverId: string) => ({
        endpoint,
        approver_id: approverId,
        p256dh: 'BPk',
        auth: 'au',
        created_at: iso(T0),
      })
      await store.putPushSubscription(subscription('https://push.example/a', admin.id))
      await store.putPushSubscription(subscription('https://push.example/b', bob.id))

      expect(await store.removeApprover(admin.id, T0 + 5)).toBe(true)
      expect(await store.removeApprover(admin.id, T0 + 6)).toBe(false)
      expect(await store.removeApprover('apv_missing', T0 + 6)).toBe(false)
      // Gone for every way in: by id, by name, sessions, enrolment links, push.
      expect(await store.getApprover(admin.id)).toBeUndefined()
      expect(await store.getApproverByName('alice')).toBeUndefined()
      expect(await store.peekToken('session-a', 'session', T0)).toBeUndefined()
      expect(await store.peekToken('enrol-a', 'enrolment', T0)).toBeUndefined()
      expect(await store.listPushSubscriptions(admin.id)).toEqual([])
      // Listed as removed, without its TOTP secret; its passkey kept for old evidence.
      expect(await store.listApprovers()).toStrictEqual([
        {
          id: admin.id,
          name: 'alice',
          role: 'admin',
          created_at: iso(T0),
          removed_at: iso(T0 + 5),
        },
        bob,
      ])
      expect(await store.getPasskey(key.id)).toStrictEqual(key)
      // Others are untouched.
      expect(await store.getApprover(bob.id)).toStrictEqual(bob)
      expect(await store.peekToken('session-b', 'session', T0)).toBeDefined()
      expect(await store.listPushSubscriptions(bob.id)).toHaveLength(1)
    })

    it('refuses a second approver with the same name', async () => {
      const { store } = harness()
      await alice()
      const again = store.createApprover({
        id: newId('apv'),
        name: 'alice',
        role: 'approver',
        now: T0,
      })
      await expect(again).rejects.toBeInstanceOf(WardenError)
      await expect(again).rejects.toMatchObject({ code: 'ERR_APPROVAL_INVALID' })
    })

    it('sets, enables and clears the encrypted TOTP secret', async () => {
      const { store } = harness()
      const approver = await alice()
      await store.setTotp(approver.id, { encrypted_secret: 'v1.iv.tag.ct', enabled: false })
      expect((await store.getApprover(approver.id))?.totp).toStrictEqual({
        encrypted_secret: 'v1.iv.tag.ct',
        enabled: false,
      })
      await store.setTotp(approver.id, { encrypted_secret: 'v1.iv.tag.ct', enabled: true })
      expect((await store.getApprover(approver.id))?.totp?.enabled).toBe(true)
      await store.setTotp(approver.id, undefined)
      expect(await store.getApprover(approver.id)).not.toHaveProperty('totp')
    })

    it('accepts each TOTP time step once and never an older one', async () => {
      const { store } = harness()
      const approver = await alice()
      expect(await store.useTotpStep(approver.id, 100)).toBe(true)
      expect(await store.useTotpStep(approver.id, 100)).toBe(false)
      expect(await store.useTotpStep(approver.id, 99)).toBe(false)
      expect(await store.useTotpStep(approver.id, 101)).toBe(true)
      expect(await store.useTotpStep('apv_missing', 500)).toBe(false)
    })

    it('lets one of 20 concurrent uses of the same TOTP step through', async () => {
      const { store } = harness()
      const approver = await alice()
      const used = await Promise.all(
        Array.from({ length: 20 }, () => store.useTotpStep(approver.id, 7)),
      )
      expect(used.filter(Boolean)).toHaveLength(1)
    })
  })

  describe('passkeys', () => {
    it('adds, finds and lists an approver’s credentials', async () => {
      const { store } = harness()
      const approver = await alice()
      const plain = passkey(approver.id)
      const full = passkey(approver.id, {
        counter: 12,
        transports: ['internal', 'hybrid'],
        user_verified: false,
        label: 'MacBook Touch ID',
        created_at: iso(T0 + 1),
      })
      await store.addPasskey(plain)
      await store.addPasskey(full)
      expect(await store.getPasskey(plain.id)).toStrictEqual(plain)
      expect(await store.getPasskey(full.id)).toStrictEqual(full)
      expect(await store.getPasskey('missing')).toBeUndefined()
      expect(await store.listPasskeys(approver.id)).toStrictEqual([plain, full])
      expect(await store.listPasskeys('apv_other')).toEqual([])
    })

    it('moves the signature counter only from the expected value', async () => {
      const { store } = harness()
      const approver = await alice()
      const credential = passkey(approver.id, { counter: 5 })
      await store.addPasskey(credential)
      expect(await store.updatePasskeyCounter(credential.id, 4, 9)).toBe(false)
      expect(await store.updatePasskeyCounter(credential.id, 5, 6)).toBe(true)
      expect(await store.updatePasskeyCounter(credential.id, 5, 7)).toBe(false)
      expect((await store.getPasskey(credential.id))?.counter).toBe(6)
      const racing = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.updatePasskeyCounter(credential.id, 6, 100 + index),
        ),
      )
      expect(racing.filter(Boolean)).toHaveLength(1)
    })
  })
}
