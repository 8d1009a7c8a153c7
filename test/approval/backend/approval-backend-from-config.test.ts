import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approvalBackendFromConfig } from '../../../src/approval/backend/approval-backend-from-config.js'
import { startSynauthServer, type SynauthServer } from '../../fixtures/synauth/synauth-server.js'
import { transferEscalation } from './contract.js'

describe('approvalBackendFromConfig', () => {
  let dir: string
  let synauth: SynauthServer
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-backend-config-'))
    synauth = await startSynauthServer()
  })
  afterAll(async () => {
    await synauth?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const codeOf = (config: unknown, env: NodeJS.ProcessEnv = {}) =>
    approvalBackendFromConfig(config, { env, cwd: dir }).then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    )

  it('opens the built-in service over the configured store', async () => {
    const backend = await approvalBackendFromConfig(
      {
        backend: 'builtin',
        store: 'sqlite:approvals.db',
        public_url: 'https://approvals.example.com',
      },
      { cwd: dir, env: { WARDEN_SECRET_KEY: randomBytes(32).toString('base64') } },
    )
    try {
      expect(backend.kind).toBe('builtin')
      const approval = await backend.create(transferEscalation())
      expect(approval.status).toBe('pending')
      expect(approval.approval_url).toBe(`https://approvals.example.com/actions/${approval.id}`)
    } finally {
      await backend.close?.()
    }
  })

  it('builds the SynAuth adapter with its key from the named variable', async () => {
    const backend = await approvalBackendFromConfig(
      { backend: 'synauth', url: synauth.url, api_key_env: 'MY_SYNAUTH_KEY', poll_interval: 1 },
      { env: { MY_SYNAUTH_KEY: synauth.apiKey } },
    )
    expect(backend.kind).toBe('synauth')
    expect((await backend.create(transferEscalation())).status).toBe('pending')
  })

  it('builds the HTTP adapter for warden serve', async () => {
    const backend = await approvalBackendFromConfig(
      { backend: 'http', url: 'http://127.0.0.1:8788' },
      { env: { WARDEN_API_KEY: 'wk_test' } },
    )
    expect(backend.kind).toBe('http')
  })

  it('refuses at start-up what would fail on the first escalation', async () => {
    expect(await codeOf({ backend: 'http', url: 'http://127.0.0.1:1' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'http' }, { WARDEN_API_KEY: 'wk_x' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'synauth' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'http', url: 'ftp://x' }, { WARDEN_API_KEY: 'k' })).toBe(
      'ERR_CONFIG_INVALID',
    )
    expect(await codeOf({ backend: 'builtin', url: 'http://x' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'synauth', store: 'sqlite:x.db' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'smoke-signals' })).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf({ backend: 'builtin', sotre: 'x' })).toBe('ERR_CONFIG_INVALID')
  })

  it('names the missing API key variable', async () => {
    await expect(approvalBackendFromConfig({ backend: 'synauth' }, { env: {} })).rejects.toThrow(
      /SYNAUTH_API_KEY/,
    )
  })
})
