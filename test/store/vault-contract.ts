import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store, VaultCredential } from '../../src/store/store.js'
import type { StoreHarness } from './contract.js'
import { iso, T0 } from './contract/fixtures.js'

function credential(overrides: Partial<VaultCredential> = {}): VaultCredential {
  return {
    name: 'github',
    auth_type: 'bearer',
    allowed_hosts: ['api.github.com'],
    encrypted_secret: 'v1.iv.tag.github',
    created_at: iso(T0),
    updated_at: iso(T0),
    ...overrides,
  }
}

/** The vault credential methods every Store implementation must offer. */
export function vaultContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} store contract: vault credentials`, () => {
    let current: StoreHarness | undefined
    beforeEach(async () => {
      current = await open()
    })
    afterEach(async () => {
      await current?.cleanup()
      current = undefined
    })
    const store = (): Store => {
      if (current === undefined) throw new Error('no store is open')
      return current.store
    }

    it('stores, reads back, lists by name and deletes credentials', async () => {
      const github = credential({ description: 'GitHub, repo scope' })
      const stripe = credential({
        name: 'stripe',
        auth_type: 'api_key',
        header: 'X-Api-Key',
        allowed_hosts: ['api.stripe.com', '*.stripe.com'],
        encrypted_secret: 'v1.iv.tag.stripe',
      })
      await store().putCredential(stripe)
      await store().putCredential(github)
      expect(await store().getCredential('github')).toStrictEqual(github)
      expect(await store().getCredential('stripe')).toStrictEqual(stripe)
      expect(await store().getCredential('nope')).toBeUndefined()
      expect(await store().listCredentials()).toStrictEqual([github, stripe])
      expect(await store().deleteCredential('github')).toBe(true)
      expect(await store().deleteCredential('github')).toBe(false)
      expect(await store().listCredentials()).toStrictEqual([stripe])
    })

    it('replaces a credential of the same name, keeping when it was first created', async () => {
      await store().putCredential(credential({ description: 'old' }))
      const replaced = credential({
        auth_type: 'header',
        header: 'X-Token',
        allowed_hosts: ['uploads.github.com'],
        encrypted_secret: 'v1.iv.tag.new',
        created_at: iso(T0 + 5000),
        updated_at: iso(T0 + 5000),
      })
      await store().putCredential(replaced)
      expect(await store().getCredential('github')).toStrictEqual({
        ...replaced,
        created_at: iso(T0),
      })
    })

    it('reseals every credential in one step and refuses a set that does not cover them all', async () => {
      await store().putCredential(credential())
      await store().putCredential(credential({ name: 'stripe', encrypted_secret: 'v1.old.stripe' }))
      await store().resealCredentials([
        { name: 'github', encrypted_secret: 'v1.new.github' },
        { name: 'stripe', encrypted_secret: 'v1.new.stripe' },
      ])
      const secrets = async () =>
        (await store().listCredentials()).map((each) => each.encrypted_secret)
      expect(await secrets()).toEqual(['v1.new.github', 'v1.new.stripe'])

      // One missing, or one unknown: nothing changes, so no record is left under the old key.
      await expect(
        store().resealCredentials([{ name: 'github', encrypted_secret: 'v1.newer.github' }]),
      ).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
      await expect(
        store().resealCredentials([
          { name: 'github', encrypted_secret: 'v1.newer.github' },
          { name: 'slack', encrypted_secret: 'v1.newer.slack' },
        ]),
      ).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
      expect(await secrets()).toEqual(['v1.new.github', 'v1.new.stripe'])
    })

    it('shares credentials between two instances on one database', async () => {
      const other = await current!.reopen()
      await store().putCredential(credential())
      expect((await other.getCredential('github'))?.encrypted_secret).toBe('v1.iv.tag.github')
      await other.resealCredentials([{ name: 'github', encrypted_secret: 'v1.other' }])
      expect((await store().getCredential('github'))?.encrypted_secret).toBe('v1.other')
    })
  })
}
