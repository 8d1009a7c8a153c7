import { WardenError } from '../errors.js'
import { createSecretBox, type SecretBox } from '../approval/secret-box.js'
import type { Store, VaultCredential } from '../store/store.js'
import { PRODUCTION_CHECKS, type Resolve, type TargetChecks } from './checked-target.js'
import { hostAllowed } from './host-allowlist.js'
import { checkCredentialInput, type CredentialInput } from './credential-input.js'
import { createRedactor } from './redactor.js'
import type { VaultCall } from './vault-call.js'
import { checkCallAgainst, executeVaultCall, type VaultResponse } from './vault-executor.js'
import { credentialHeaderValue } from './call-headers.js'

/** A stored credential as agents and operators see it: everything but the secret. */
export interface VaultService {
  service_name: string
  auth_type: VaultCredential['auth_type']
  header?: string
  allowed_hosts: string[]
  description?: string
  created_at: string
  updated_at: string
}

/** Test-only seams (refused outside vitest): a fake resolver, a looser address check, a test CA. */
export interface VaultTestHooks {
  resolve?: Resolve
  refusal?: (address: string) => string | undefined
  ca?: string | Buffer
}

export interface VaultOptions {
  store: Store
  /** 32 bytes; see loadVaultKey. */
  key: Uint8Array
  now?: () => number
  /** Whole call, DNS to last byte; default 30 s. */
  timeoutMs?: number
  /** Larger responses are discarded; default 1 MiB. */
  maxResponseBytes?: number
  /** One line per call; never holds the secret. */
  log?: (line: string) => void
  testing?: VaultTestHooks
}

export const DEFAULT_VAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024

/** The credential vault: sealed secrets in the store, calls made for agents after approval. */
export interface Vault {
  listServices(): Promise<VaultService[]>
  /** Seals and stores a credential; an existing name is refused unless `replace`. */
  addCredential(input: CredentialInput, options?: { replace?: boolean }): Promise<VaultService>
  removeCredential(name: string): Promise<boolean>
  /** Reseals every credential under `key` in one transaction; this vault then uses `key`. */
  rekey(key: Uint8Array): Promise<number>
  /** The checks a call can pass before approval: known service, https, allowed host, headers. */
  checkCall(call: VaultCall): Promise<void>
  /** Runs an approved call (see executeVaultCall); `label` names it in the log. */
  execute(call: VaultCall, label: string): Promise<VaultResponse>
  /** The secret's header value for `name`, if `url` is https and on its allowlist (proxy upstreams). */
  headerValueFor(name: string, url: URL): Promise<string>
}

/** The AAD every sealed secret carries: a sealed value moved to another name does not open. */
export function credentialAad(name: string): string {
  return `vault:${name}`
}

export function createVault(options: VaultOptions): Vault {
  if (options.testing !== undefined && process.env.VITEST === undefined) {
    throw new WardenError('ERR_CONFIG_INVALID', 'vault test hooks are accepted only under vitest')
  }
  const { store } = options
  const now = options.now ?? Date.now
  const log = options.log ?? (() => {})
  let box: SecretBox = createSecretBox(options.key)
  const checks: TargetChecks = {
    resolve: options.testing?.resolve ?? PRODUCTION_CHECKS.resolve,
    refusal: options.testing?.refusal ?? PRODUCTION_CHECKS.refusal,
  }
  const settings = {
    checks,
    timeoutMs: options.timeoutMs ?? DEFAULT_VAULT_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...(options.testing?.ca !== undefined ? { ca: options.testing.ca } : {}),
  }

  async function credential(name: string): Promise<VaultCredential> {
    const found = await store.getCredential(name)
    if (!found) {
      throw new WardenError(
        'ERR_APPROVAL_INVALID',
        `service_name: the vault has no credential named ${name}`,
      )
    }
    return found
  }

  return {
    async listServices() {
      return (await store.listCredentials()).map(serviceView)
    },

    async addCredential(input, { replace = false } = {}) {
      const checked = checkCredentialInput(input)
      if (!replace && (await store.getCredential(checked.name))) {
        throw new WardenError(
          'ERR_CONFIG_INVALID',
          `the vault already holds ${checked.name}; remove it first`,
        )
      }
      const at = new Date(now()).toISOString()
      const record: VaultCredential = {
        name: checked.name,
        auth_type: checked.auth_type,
        ...(checked.header !== undefined ? { header: checked.header } : {}),
        allowed_hosts: checked.allowed_hosts,
        ...(checked.description !== undefined ? { description: checked.description } : {}),
        encrypted_secret: box.seal(checked.secret, credentialAad(checked.name)),
        created_at: at,
        updated_at: at,
      }
      await store.putCredential(record)
      return serviceView((await store.getCredential(record.name)) ?? record)
    },

    removeCredential: (name) => store.deleteCredential(name),

    async rekey(key) {
      const next = createSecretBox(key)
      const sealed = (await store.listCredentials()).map((each) => ({
        name: each.name,
        encrypted_secret: next.seal(
          box.open(each.encrypted_secret, credentialAad(each.name)),
          credentialAad(each.name),
        ),
      }))
      await store.resealCredentials(sealed)
      box = next
      return sealed.length
    },

    async checkCall(call) {
      const stored = await credential(call.service)
      checkCallAgainst(call, stored)
      // A secret the current key cannot open fails here, before an approval is spent on it.
      box.open(stored.encrypted_secret, credentialAad(stored.name))
    },

    async execute(call, label) {
      const stored = await credential(call.service)
      const secret = box.open(stored.encrypted_secret, credentialAad(stored.name))
      const redact = createRedactor(secret, credentialHeaderValue(stored.auth_type, secret))
      const what = `vault: ${label} ${stored.name} ${call.method} ${call.url}`
      try {
        const response = await executeVaultCall(call, stored, secret, settings)
        log(
          redact(`${what} -> ${response.status_code} (${Buffer.byteLength(response.body)} bytes)`),
        )
        return response
      } catch (error) {
        log(redact(`${what} failed: ${(error as Error).message}`))
        throw error
      }
    },

    async headerValueFor(name, url) {
      const stored = await credential(name)
      if (url.protocol !== 'https:' || !hostAllowed(url, stored.allowed_hosts)) {
        throw new WardenError(
          'ERR_HOST_NOT_ALLOWED',
          `vault:${name} may be sent only over https to ${stored.allowed_hosts.join(', ')}, not to ${url.origin}`,
        )
      }
      return credentialHeaderValue(
        stored.auth_type,
        box.open(stored.encrypted_secret, credentialAad(name)),
      )
    },
  }
}

function serviceView(credential: VaultCredential): VaultService {
  return {
    service_name: credential.name,
    auth_type: credential.auth_type,
    ...(credential.header !== undefined ? { header: credential.header } : {}),
    allowed_hosts: credential.allowed_hosts,
    ...(credential.description !== undefined ? { description: credential.description } : {}),
    created_at: credential.created_at,
    updated_at: credential.updated_at,
  }
}
