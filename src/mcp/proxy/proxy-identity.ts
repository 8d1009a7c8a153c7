import type { IncomingMessage } from 'node:http'
import { WardenError } from '../../errors.js'
import {
  createApiKeyProvider,
  createMemoryApiKeyStore,
  generateApiKey,
  type ApiKeyRecord,
} from '../../identity/api-key.js'
import { ANONYMOUS, createAuthContext, type AuthContext } from '../../identity/auth-context.js'
import { IdentityChain } from '../../identity/chain.js'
import { createIdentityChain } from '../../identity/create-identity-chain.js'
import type { IdentityProvider } from '../../identity/provider.js'
import { identityRequestFrom } from '../../identity/provider.js'
import type { ProxyConfig } from './load-proxy-config.js'

/** A demo key, shown once at start-up. */
export interface DemoKey {
  key: string
  user_id: string
  roles: string[]
}

export interface ProxyIdentity {
  /** HTTP: who sent this request. */
  identify(request: IncomingMessage): Promise<AuthContext>
  /** stdio: the one principal of the session. */
  stdioPrincipal(): Promise<AuthContext>
  demoKeys: DemoKey[]
  close(): Promise<void>
}

/** The identity chain of warden.yaml, plus demo keys, plus the anonymous fallback when allowed. */
export async function createProxyIdentity(config: ProxyConfig): Promise<ProxyIdentity> {
  const transport = config.listen.transport
  const providers: IdentityProvider[] = []
  if (config.identity !== undefined) {
    const chain = await createIdentityChain(config.identity, {
      baseDir: config.baseDir,
      transport,
      ...(config.identity_resource ? { resource: config.identity_resource.resource } : {}),
    })
    providers.push(...chain.providers)
  }
  const demoKeys: DemoKey[] = []
  if (config.demo_keys && config.demo_keys.length > 0) {
    const records: ApiKeyRecord[] = []
    for (const entry of config.demo_keys) {
      const generated = generateApiKey()
      demoKeys.push({ key: generated.key, user_id: entry.user_id, roles: [...entry.roles] })
      records.push({
        hash: generated.hash,
        prefix: generated.prefix,
        user_id: entry.user_id,
        roles: [...entry.roles],
        ...(entry.agent_id !== undefined ? { agent_id: entry.agent_id } : {}),
        created_at: new Date().toISOString(),
      })
    }
    // Before a static provider, which must stay last.
    const at = providers.findIndex((p) => p.type === 'static')
    const demo = createApiKeyProvider({
      store: createMemoryApiKeyStore(records),
      name: 'demo_keys',
    })
    providers.splice(at === -1 ? providers.length : at, 0, demo)
  }
  const chain = providers.length > 0 ? new IdentityChain(providers) : undefined

  async function authenticate(request: Parameters<IdentityChain['authenticate']>[0]) {
    if (!chain) return ANONYMOUS
    try {
      return await chain.authenticate(request)
    } catch (error) {
      const missing = error instanceof WardenError && error.code === 'ERR_AUTH_MISSING'
      if (missing && config.allow_anonymous) return ANONYMOUS
      throw error
    }
  }

  return {
    demoKeys,
    identify: (request) => authenticate(identityRequestFrom(request)),
    async stdioPrincipal() {
      if (config.principal) {
        return createAuthContext({
          user_id: config.principal.user_id,
          roles: config.principal.roles ?? [],
          ...(config.principal.agent_id !== undefined
            ? { agent_id: config.principal.agent_id }
            : {}),
          method: 'static',
        })
      }
      return authenticate({ headers: {} })
    },
    close: async () => chain?.close(),
  }
}
