import { describe, expect, it } from 'vitest'
import { LATEST_SCHEMA_VERSION } from '../../../src/store/migrations/schema.js'
import type { Harness } from '../contract.js'
import { approval, MINUTE, newRequest, nextChange, T0 } from './fixtures.js'

export function lifecycleContract(harness: Harness): void {
  describe('onRequestChanged', () => {
    it('announces creation and every status change, after the change is stored', async () => {
      const { store } = harness()
      const seen: string[] = []
      const unsubscribe = store.onRequestChanged((id) => seen.push(id))
      const approved = await store.createRequest(newRequest())
      await store.approveRequest(approval(approved.id))
      const hash = approved.content_hash
      await store.claimExecution({ id: approved.id, now: T0 + MINUTE, content_hash: hash })
      await store.recordExecutionResult(approved.id, 'succeeded', T0 + 2 * MINUTE)
      const expiring = await store.createRequest(newRequest())
      await store.getRequest(expiring.id, T0 + 5 * MINUTE)
      const denied = await store.createRequest(newRequest())
      await store.denyRequest(approval(denied.id))
      unsubscribe()
      await store.withdrawRequest(denied.id, 'agent-1', T0)
      await store.createRequest(newRequest())
      expect(seen).toEqual([
        approved.id,
        approved.id,
        approved.id,
        approved.id,
        expiring.id,
        expiring.id,
        denied.id,
        denied.id,
      ])
    })

    it('announces only once the change can be read back', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      const status = new Promise<string | undefined>((resolve) => {
        store.onRequestChanged((id) => {
          void store.getRequest(id, T0).then((read) => resolve(read?.status))
        })
      })
      await store.approveRequest(approval(request.id))
      expect(await status).toBe('approved')
    })

    it('does not announce a refused transition that changed nothing', async () => {
      const { store } = harness()
      const request = await store.createRequest(newRequest())
      await store.approveRequest(approval(request.id))
      const seen: string[] = []
      store.onRequestChanged((id) => seen.push(id))
      await store.approveRequest(approval(request.id))
      await store.claimExecution({ id: request.id, now: T0, content_hash: '0'.repeat(64) })
      expect(seen).toEqual([])
    })

    it('keeps calling the other listeners when one throws', async () => {
      const { store } = harness()
      const seen: string[] = []
      const quiet = console.error
      console.error = () => undefined
      try {
        store.onRequestChanged(() => {
          throw new Error('listener bug')
        })
        store.onRequestChanged((id) => seen.push(id))
        const request = await store.createRequest(newRequest())
        expect(seen).toEqual([request.id])
      } finally {
        console.error = quiet
      }
    })

    it('wakes a second store instance opened on the same database', async () => {
      const { store, reopen } = harness()
      const other = await reopen()
      const request = await store.createRequest(newRequest())
      const woken = nextChange(other, (id) => id === request.id)
      await store.approveRequest(approval(request.id))
      expect(await woken).toBe(request.id)
      expect((await other.getRequest(request.id, T0))?.status).toBe('approved')
      const back = nextChange(store, (id) => id === request.id)
      await other.claimExecution({ id: request.id, now: T0, content_hash: request.content_hash })
      expect(await back).toBe(request.id)
    })
  })

  describe('migrations', () => {
    it('reopens a migrated database without migrating again and keeps its data', async () => {
      const { store, reopen } = harness()
      const request = await store.createRequest(newRequest())
      const again = await reopen()
      const third = await reopen()
      expect(await third.getRequest(request.id, T0)).toStrictEqual(request)
      expect(again.location).toBe(store.location)
    })

    it('refuses a database whose schema is newer than this code knows', async () => {
      const { reopen, setSchemaVersion } = harness()
      const newer = LATEST_SCHEMA_VERSION + 998
      await setSchemaVersion(newer)
      const opening = reopen()
      await expect(opening).rejects.toMatchObject({ code: 'ERR_STORE_MIGRATION_FAILED' })
      await expect(opening).rejects.toThrow(String(newer))
      await expect(opening).rejects.toThrow(` ${LATEST_SCHEMA_VERSION} `)
    })
  })
}
