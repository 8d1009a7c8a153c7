import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import type { Vault, VaultOptions } from '../../src/vault/vault.js'
import {
  startApprovalHarness,
  type ApprovalHarness,
  type TotpApprover,
} from '../approval/http/approval-harness.js'
import { startHttpsTarget, type HttpsTarget } from './https-target.js'
import { SECRET, testVault } from './vault-fixtures.js'

export interface View {
  id: string
  status: string
  content_hash: string
  fingerprint: string
  action_type: string
  title: string
  parameters: unknown
  execution_result?: string
}

/**
 * An approval server with a vault (127.0.0.1 standing in for a public host), an HTTPS test
 * API behind the credential `api`, an approver and an agent key. Every response body the
 * agent got and every vault log line is kept, so a test can search them for the secret.
 */
export interface VaultHarness {
  h: ApprovalHarness
  store: Store
  vault: Vault
  target: HttpsTarget
  /** `https://api.test.example:PORT`, resolving to the target. */
  base: string
  approver: TotpApprover
  agentKey: string
  logs: string[]
  /** Every response body an agent call returned, as text. */
  seen: string[]
  call(path: string, init?: RequestInit, key?: string): Promise<Response>
  /** POST /vault/execute; expects 201. */
  request(body: Record<string, unknown>): Promise<View>
  /** The approver approves with a fresh TOTP step. */
  approve(id: string): Promise<View>
  execute(id: string, body?: unknown, key?: string): Promise<Response>
  close(): Promise<void>
}

export async function startVaultHarness(
  options: Partial<VaultOptions> = {},
): Promise<VaultHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-vault-api-'))
  const store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
  const target = await startHttpsTarget()
  const logs: string[] = []
  const seen: string[] = []
  const vault = await testVault(store, { log: (line) => logs.push(line), ...options })
  await vault.addCredential({
    name: 'api',
    auth_type: 'bearer',
    allowed_hosts: [`api.test.example:${target.port}`, `internal.test.example:${target.port}`],
    description: 'The test API',
    secret: SECRET,
  })
  const h = await startApprovalHarness({ store, vault })
  const approver = await h.totpApprover('alice')
  const agentKey = await h.agentKey('bot')

  const call = async (path: string, init: RequestInit = {}, key = agentKey) => {
    const response = await h.agent(key)(path, init)
    seen.push(await response.clone().text())
    return response
  }
  return {
    h,
    store,
    vault,
    target,
    base: `https://api.test.example:${target.port}`,
    approver,
    agentKey,
    logs,
    seen,
    call,
    async request(body) {
      const response = await call('/vault/execute', { method: 'POST', body: JSON.stringify(body) })
      if (response.status !== 201)
        throw new Error(`create failed: ${response.status} ${await response.text()}`)
      return (await response.json()) as View
    },
    async approve(id) {
      const view = (await (await call(`/actions/${id}`)).json()) as View
      h.clock.now += 30_000
      const response = await approver.call(`/api/v1/inbox/${id}/approve`, {
        content_hash: view.content_hash,
        totp: await approver.code(),
      })
      if (response.status !== 200) throw new Error(`approve failed: ${await response.text()}`)
      return (await response.json()) as View
    },
    execute(id, body = {}, key = agentKey) {
      return call(`/vault/execute/${id}`, { method: 'POST', body: JSON.stringify(body) }, key)
    },
    async close() {
      await h.close()
      await target.close()
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
