import { describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'
import { authChallenge } from '../../src/identity/http-challenge.js'
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../../src/identity/protected-resource.js'
import { InsufficientScopeError } from '../../src/identity/scope.js'

function fieldOf(build: () => unknown): string | undefined {
  try {
    build()
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityConfigError)
    return (error as IdentityConfigError).field
  }
  return undefined
}

describe('protected resource metadata (RFC 9728)', () => {
  it('inserts the well-known path between host and resource path', () => {
    expect(protectedResourceMetadataUrl('https://mcp.example.com/mcp')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    )
    expect(protectedResourceMetadataUrl('https://mcp.example.com')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    )
  })

  it('keeps authorization server identifiers exactly as written', () => {
    const metadata = protectedResourceMetadata({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com/realms/acme'],
    })
    expect(metadata.authorization_servers).toEqual(['https://auth.example.com/realms/acme'])
    expect(metadata.bearer_methods_supported).toEqual(['header'])
  })

  it('rejects a resource that is not https (outside loopback) or has a fragment', () => {
    expect(
      fieldOf(() => protectedResourceMetadata({ resource: 'http://mcp.example.com/mcp' })),
    ).toBe('resource')
    expect(
      fieldOf(() => protectedResourceMetadata({ resource: 'https://mcp.example.com/mcp#x' })),
    ).toBe('resource')
    expect(fieldOf(() => protectedResourceMetadata({ resource: 'mcp' }))).toBe('resource')
  })

  it('rejects an authorization server that is not a URL', () => {
    expect(
      fieldOf(() =>
        protectedResourceMetadata({
          resource: 'https://m.example.com',
          authorization_servers: ['https://a.example.com', 'idp'],
        }),
      ),
    ).toBe('authorization_servers[1]')
  })
})

describe('authChallenge', () => {
  const resourceMetadataUrl = 'https://m.example.com/.well-known/oauth-protected-resource'

  it('omits the error parameter when no credential was sent', () => {
    const challenge = authChallenge(new WardenError('ERR_AUTH_MISSING', 'none'), {
      resourceMetadataUrl,
    })
    expect(challenge.status).toBe(401)
    expect(challenge.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${resourceMetadataUrl}"`,
    )
  })

  it.each([
    'ERR_AUTH_INVALID',
    'ERR_API_KEY_INVALID',
    'ERR_API_KEY_EXPIRED',
    'ERR_API_KEY_REVOKED',
    'ERR_JWT_INVALID',
    'ERR_JWT_EXPIRED',
    'ERR_JWT_NOT_YET_VALID',
    'ERR_JWT_CLAIM_INVALID',
    'ERR_JWT_ALG_NOT_ALLOWED',
    'ERR_JWKS_NO_MATCHING_KEY',
    'ERR_HEADER_UNTRUSTED',
  ] as const)('answers %s with 401 invalid_token', (code) => {
    const challenge = authChallenge(new WardenError(code, 'bad'), { resourceMetadataUrl })
    expect(challenge.status).toBe(401)
    expect(challenge.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(challenge.body.code).toBe(code)
  })

  it('answers missing scope with 403 naming the scopes', () => {
    const challenge = authChallenge(new InsufficientScopeError(['a', 'b']), { resourceMetadataUrl })
    expect(challenge.status).toBe(403)
    expect(challenge.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${resourceMetadataUrl}", error="insufficient_scope", scope="a b"`,
    )
  })

  it('answers anything else with 500 and no details', () => {
    const challenge = authChallenge(new Error('secret stack detail'))
    expect(challenge.status).toBe(500)
    expect(JSON.stringify(challenge)).not.toContain('secret stack detail')
  })
})
