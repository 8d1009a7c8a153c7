import { randomBytes } from 'node:crypto'
import { addressRefusal } from '../../src/vault/address-policy.js'
import type { Resolve } from '../../src/vault/checked-target.js'
import { createVault, type Vault, type VaultOptions } from '../../src/vault/vault.js'
import type { Store } from '../../src/store/store.js'
import { testCertificates } from './https-target.js'

/** A secret distinctive enough that finding it anywhere is a leak, not a coincidence. */
export const SECRET = 'ghp_S3cr3t-Vault-Value-9f8e7d6c5b4a'

/** Stands 127.0.0.1 in for a public address; everything else is checked as in production. */
export const loopbackIsPublic = (address: string): string | undefined =>
  address === '127.0.0.1' ? undefined : addressRefusal(address)

/** api.test.example (and any *.test.example) resolve to the test server on 127.0.0.1. */
export const resolveToLoopback: Resolve = async (hostname) => {
  if (hostname.endsWith('test.example')) return [{ address: '127.0.0.1', family: 4 }]
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
}

/** A vault over `store` trusting the test CA, with 127.0.0.1 standing in for a public host. */
export async function testVault(store: Store, options: Partial<VaultOptions> = {}): Promise<Vault> {
  return createVault({
    store,
    key: new Uint8Array(randomBytes(32)),
    ...options,
    testing: {
      ca: (await testCertificates()).ca,
      refusal: loopbackIsPublic,
      resolve: resolveToLoopback,
      ...options.testing,
    },
  })
}
