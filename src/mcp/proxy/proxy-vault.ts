import { dirname, join, resolve } from 'node:path'
import { WardenError } from '../../errors.js'
import { DEFAULT_STORE_PATH, openStore } from '../../store/open-store.js'
import { openVault } from '../../vault/open-vault.js'
import { hasVaultHeaders, resolveVaultHeaders } from '../../vault/resolve-vault-headers.js'
import { VAULT_KEY_ENV, vaultKeyExists } from '../../vault/vault-key.js'
import type { Vault } from '../../vault/vault.js'
import type { ProxyConfig, UpstreamSpec } from './load-proxy-config.js'

export interface ProxyVaultOptions {
  /** Where WARDEN_VAULT_KEY is read; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Base for relative store and key paths, as for `approvals:`; default the config's baseDir. */
  cwd?: string
  /** One line of the proxy's log; never given a credential. */
  log: (line: string) => void
}

/** The vault behind the proxy's `vault:NAME` upstream headers, and the store it holds open. */
export interface ProxyVault {
  /** Undefined when no HTTP upstream has a `vault:NAME` header. */
  vault?: Vault
  close(): Promise<void>
}

type HttpUpstream = Extract<UpstreamSpec, { kind: 'streamable-http' | 'sse' }>

/** Refusals that mean the configuration is wrong (exit 2), not that the proxy failed. */
const CONFIG_REFUSALS = new Set([
  'ERR_CONFIG_INVALID',
  'ERR_HOST_NOT_ALLOWED',
  'ERR_SECRET_UNREADABLE',
])

/**
 * Opens the credential vault when an HTTP upstream has a `vault:NAME` header: the store is
 * `approvals.store` (default `.warden/warden.db`) and the key WARDEN_VAULT_KEY or `vault.key`
 * beside `approvals.secret_key_file` (default `.warden/vault.key`), as `warden serve` reads
 * them. Every such header is resolved once here, so an unknown credential, a URL that is not
 * https or a host off the credential's list stops the proxy at start-up (ERR_CONFIG_INVALID);
 * no key at all is ERR_VAULT_NOT_CONFIGURED. No key file is created.
 */
export async function openProxyVault(
  config: ProxyConfig,
  options: ProxyVaultOptions,
): Promise<ProxyVault> {
  const users = config.upstreams.filter(
    (spec): spec is HttpUpstream => spec.kind !== 'stdio' && hasVaultHeaders(spec.headers),
  )
  if (users.length === 0) return { close: async () => {} }
  const cwd = options.cwd ?? config.baseDir
  const env = options.env ?? process.env
  const paths = approvalsPaths(config.approvals)
  const keyFile = resolve(
    cwd,
    join(dirname(paths.secretKeyFile ?? '.warden/secret.key'), 'vault.key'),
  )
  const names = users.map((spec) => spec.name).join(', ')
  if (!(await vaultKeyExists({ file: keyFile, env }))) {
    throw new WardenError(
      'ERR_VAULT_NOT_CONFIGURED',
      `upstreams ${names}: vault:NAME headers need the credential vault, which has no key: ` +
        `set ${VAULT_KEY_ENV}, or store a credential with \`warden vault add\` (key file ${keyFile})`,
    )
  }
  const store = await openStore(paths.store ?? DEFAULT_STORE_PATH, { cwd })
  try {
    const vault = await openVault({ store, keyFile, env })
    for (const spec of users) await checkUpstream(spec, vault)
    for (const spec of users) {
      options.log(
        `upstream ${spec.name}: ${vaultHeaderNames(spec)} from the vault in ${store.location}`,
      )
    }
    return { vault, close: () => store.close() }
  } catch (error) {
    await store.close()
    throw error
  }
}

/** Resolves the upstream's headers once and discards them: only the refusal matters here. */
async function checkUpstream(spec: HttpUpstream, vault: Vault): Promise<void> {
  try {
    await resolveVaultHeaders(spec.headers, vault, spec.url)
  } catch (error) {
    if (error instanceof WardenError && CONFIG_REFUSALS.has(error.code)) {
      throw new WardenError('ERR_CONFIG_INVALID', `upstreams.${spec.name}: ${error.message}`)
    }
    throw error
  }
}

/** `Authorization (vault:docs-token)`: header and credential names, never a value. */
function vaultHeaderNames(spec: HttpUpstream): string {
  return Object.entries(spec.headers)
    .filter(([, value]) => hasVaultHeaders({ value }))
    .map(([name, value]) => `${name} (${value})`)
    .join(', ')
}

/** `approvals.store` and `approvals.secret_key_file`, when warden.yaml gives them. */
function approvalsPaths(approvals: unknown): { store?: string; secretKeyFile?: string } {
  if (typeof approvals !== 'object' || approvals === null) return {}
  const { store, secret_key_file: secretKeyFile } = approvals as Record<string, unknown>
  return {
    ...(typeof store === 'string' && store.trim() !== '' ? { store } : {}),
    ...(typeof secretKeyFile === 'string' && secretKeyFile.trim() !== '' ? { secretKeyFile } : {}),
  }
}
