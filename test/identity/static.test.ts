import { describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import { IdentityConfigError } from '../../src/identity/config-error.js'
import { createStaticProvider, parsePrincipalSpec } from '../../src/identity/static.js'
import { describeProviderContract } from './provider-contract.js'

describeProviderContract('static', {
  provider: createStaticProvider({ user_id: 'bob', roles: ['reader', 'auditor'], agent_id: 'cli' }),
  valid: { headers: {} },
  expected: { user_id: 'bob', roles: ['reader', 'auditor'], agent_id: 'cli' },
  invalid: [],
  secrets: [],
  ignoresIdentityHeaders: true,
})

describe('the static principal', () => {
  it('parses --as USER:ROLE,ROLE', () => {
    expect(parsePrincipalSpec('bob:reader,auditor')).toEqual({
      user_id: 'bob',
      roles: ['reader', 'auditor'],
    })
  })

  it('parses --as USER without roles', () => {
    expect(parsePrincipalSpec('bob')).toEqual({ user_id: 'bob', roles: [] })
  })

  it.each(['', ':reader', 'bob:', 'bob:reader,,auditor', 'bob smith:reader'])(
    'rejects --as %j with ERR_IDENTITY_CONFIG_INVALID',
    (spec) => {
      const error = (() => {
        try {
          parsePrincipalSpec(spec)
        } catch (thrown) {
          return thrown
        }
        return undefined
      })()
      expect(error).toBeInstanceOf(IdentityConfigError)
      expect((error as WardenError).code).toBe('ERR_IDENTITY_CONFIG_INVALID')
      expect((error as IdentityConfigError).field).toBe('--as')
    },
  )

  it('answers every request with the same principal', async () => {
    const provider = createStaticProvider(parsePrincipalSpec('bob:reader'))
    const first = await provider.authenticate({ headers: {} })
    const second = await provider.authenticate({ headers: { authorization: 'Bearer x' } })
    expect(second).toBe(first)
    expect(first?.method).toBe('static')
  })
})
