import { WardenError } from '../errors.js'
import type { Vault } from './vault.js'

const VAULT_PREFIX = 'vault:'

/** True if any header value names a vault credential (`vault:NAME`). */
export function hasVaultHeaders(headers: Record<string, string>): boolean {
  return Object.values(headers).some((value) => value.startsWith(VAULT_PREFIX))
}

/**
 * The proxy's upstream headers with every `vault:NAME` value replaced by that credential's
 * header value (`Bearer …` for bearer, `Basic …` for basic, the bare secret for api_key and
 * header), once `upstreamUrl` is checked to be https and on the credential's allowed hosts.
 * Other values pass unchanged. Refusals are ERR_HOST_NOT_ALLOWED or ERR_CONFIG_INVALID and
 * never hold a secret.
 */
export async function resolveVaultHeaders(
  headers: Record<string, string>,
  vault: Vault | undefined,
  upstreamUrl: string | URL,
): Promise<Record<string, string>> {
  if (!hasVaultHeaders(headers)) return { ...headers }
  if (vault === undefined) {
    throw new WardenError(
      'ERR_VAULT_NOT_CONFIGURED',
      'vault:NAME headers need the credential vault',
    )
  }
  const url = new URL(upstreamUrl)
  const resolved: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (!value.startsWith(VAULT_PREFIX)) {
      resolved[name] = value
      continue
    }
    const service = value.slice(VAULT_PREFIX.length)
    try {
      resolved[name] = await vault.headerValueFor(service, url)
    } catch (error) {
      if (error instanceof WardenError && error.code === 'ERR_APPROVAL_INVALID') {
        throw new WardenError(
          'ERR_CONFIG_INVALID',
          `header ${name}: the vault has no credential named ${service}`,
        )
      }
      throw error
    }
  }
  return resolved
}
