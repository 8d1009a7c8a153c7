import type { VaultSource } from '../vault/attached-vault.js'
import type { Vault } from '../vault/vault.js'
import type { WardenMetrics } from './warden-metrics.js'

/** `source` with every execution counted by outcome: succeeded (2xx), failed, error. */
export function countVaultExecutions(source: VaultSource, metrics: WardenMetrics): VaultSource {
  if (typeof source !== 'function') return counted(source, metrics)
  const seen = new WeakMap<Vault, Vault>()
  return async () => {
    const vault = await source()
    if (!vault) return undefined
    let wrapped = seen.get(vault)
    if (!wrapped) seen.set(vault, (wrapped = counted(vault, metrics)))
    return wrapped
  }
}

function counted(vault: Vault, metrics: WardenMetrics): Vault {
  return {
    ...vault,
    async execute(call, label) {
      try {
        const response = await vault.execute(call, label)
        const ok = response.status_code >= 200 && response.status_code < 300
        metrics.vaultExecuted(ok ? 'succeeded' : 'failed')
        return response
      } catch (error) {
        metrics.vaultExecuted('error')
        throw error
      }
    },
  }
}
