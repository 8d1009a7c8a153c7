import type { ApprovalService } from '../approval/service/approval-service.js'
import type { Vault } from './vault.js'

/** A vault, or how to get one once it is configured (undefined until then). */
export type VaultSource = Vault | (() => Promise<Vault | undefined>)

const vaults = new WeakMap<ApprovalService, VaultSource>()

/**
 * Gives an approval service its credential vault: the HTTP API built for that service then
 * serves the vault routes instead of 501 ERR_VAULT_NOT_CONFIGURED. Call before
 * createApprovalApp (startApprovalServer does). A function is asked on each vault request,
 * so a key created after start-up (`warden vault add`) is picked up without a restart.
 */
export function attachVault(service: ApprovalService, vault: VaultSource): void {
  vaults.set(service, vault)
}

/** What was attached to `service`, if anything. */
export function attachedVault(service: ApprovalService): VaultSource | undefined {
  return vaults.get(service)
}
