import { afterEach, beforeEach, describe } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { adminContract } from './contract/admin-contract.js'
import { approverContract } from './contract/approver-contract.js'
import { lifecycleContract } from './contract/lifecycle-contract.js'
import { requestContract } from './contract/request-contract.js'
import { spendingContract } from './contract/spending-contract.js'
import { tokenContract } from './contract/token-contract.js'
import { executionContract } from './contract/execution-contract.js'
import { transitionContract } from './contract/transition-contract.js'

/** One empty, migrated database and the Store on it, as an implementation's test opens it. */
export interface StoreHarness {
  store: Store
  /** Opens another Store on the same database: a second instance (closed by cleanup). */
  reopen(): Promise<Store>
  /** Records `version` as applied, as a newer warden would have. */
  setSchemaVersion(version: number): Promise<void>
  /** Closes every Store opened and removes what the harness made. */
  cleanup(): Promise<void>
}

export type Harness = () => StoreHarness

/**
 * The behaviour every Store implementation must show. `open` is called before each test and
 * must give an empty database; its `cleanup` after each.
 */
export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let current: StoreHarness | undefined
    beforeEach(async () => {
      current = await open()
    })
    afterEach(async () => {
      await current?.cleanup()
      current = undefined
    })
    const harness: Harness = () => {
      if (current === undefined) throw new Error('no store is open')
      return current
    }
    requestContract(harness)
    transitionContract(harness)
    executionContract(harness)
    spendingContract(harness)
    approverContract(harness)
    tokenContract(harness)
    adminContract(harness)
    lifecycleContract(harness)
  })
}
