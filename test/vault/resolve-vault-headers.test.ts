import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import { hasVaultHeaders, resolveVaultHeaders } from '../../src/vault/resolve-vault-headers.js'
import type { Vault } from '../../src/vault/vault.js'
import { SECRET, testVault } from './vault-fixtures.js'

describe("resolveVaultHeaders (the proxy's upstream credentials)", () => {
  let store: Store
  let vault: Vault
  beforeEach(async () => {
    store = await openStore('sqlite::memory:')
    vault = await testVault(store)
    await vault.addCredential({
      name: 'docs-token',
      auth_type: 'bearer',
      allowed_hosts: ['docs.example.com'],
      secret: SECRET,
    })
    await vault.addCredential({
      name: 'docs-basic',
      auth_type: 'basic',
      allowed_hosts: ['*.example.com'],
      secret: `mcp:${SECRET}`,
    })
    await vault.addCredential({
      name: 'docs-key',
      auth_type: 'api_key',
      allowed_hosts: ['docs.example.com:8443'],
      secret: SECRET,
    })
  })
  afterEach(async () => {
    await store.close()
  })

  it('replaces vault:NAME values with the header value for the auth type', async () => {
    const headers = {
      Authorization: 'vault:docs-token',
      'X-Api-Key': 'vault:docs-key',
      'X-Trace': 'plain',
    }
    expect(hasVaultHeaders(headers)).toBe(true)
    expect(
      await resolveVaultHeaders(
        { Authorization: 'vault:docs-token', 'X-Trace': 'plain' },
        vault,
        'https://docs.example.com/mcp',
      ),
    ).toEqual({ Authorization: `Bearer ${SECRET}`, 'X-Trace': 'plain' })
    expect(
      await resolveVaultHeaders(
        { Authorization: 'vault:docs-basic' },
        vault,
        new URL('https://eu.example.com/mcp'),
      ),
    ).toEqual({ Authorization: `Basic ${Buffer.from(`mcp:${SECRET}`).toString('base64')}` })
    expect(
      await resolveVaultHeaders(
        { 'X-Api-Key': 'vault:docs-key' },
        vault,
        'https://docs.example.com:8443/mcp',
      ),
    ).toEqual({ 'X-Api-Key': SECRET })
  })

  it('leaves headers without vault values alone, even with no vault', async () => {
    expect(hasVaultHeaders({ 'X-Trace': 'plain' })).toBe(false)
    expect(
      await resolveVaultHeaders({ 'X-Trace': 'plain' }, undefined, 'http://local/mcp'),
    ).toEqual({
      'X-Trace': 'plain',
    })
    await expect(
      resolveVaultHeaders(
        { Authorization: 'vault:docs-token' },
        undefined,
        'https://docs.example.com/',
      ),
    ).rejects.toMatchObject({ code: 'ERR_VAULT_NOT_CONFIGURED' })
  })

  it('refuses plain http, hosts and ports off the allowlist, and unknown names, without the secret', async () => {
    const refusals: [Record<string, string>, string, string][] = [
      [
        { Authorization: 'vault:docs-token' },
        'http://docs.example.com/mcp',
        'ERR_HOST_NOT_ALLOWED',
      ],
      [{ Authorization: 'vault:docs-token' }, 'https://evil.example/mcp', 'ERR_HOST_NOT_ALLOWED'],
      [
        { Authorization: 'vault:docs-token' },
        'https://docs.example.com:8443/',
        'ERR_HOST_NOT_ALLOWED',
      ],
      [{ Authorization: 'vault:docs-basic' }, 'https://example.com/', 'ERR_HOST_NOT_ALLOWED'],
      [{ Authorization: 'vault:missing' }, 'https://docs.example.com/', 'ERR_CONFIG_INVALID'],
    ]
    for (const [headers, url, code] of refusals) {
      const error = await resolveVaultHeaders(headers, vault, url).catch((e: unknown) => e)
      expect(error, url).toMatchObject({ code })
      expect(String((error as Error).message)).not.toContain(SECRET)
    }
  })
})
