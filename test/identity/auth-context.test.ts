import { describe, expect, it } from 'vitest'
import { ANONYMOUS, createAuthContext, type AuthContext } from '../../src/identity/auth-context.js'
import type { Principal } from '../../src/policy/request.js'

describe('AuthContext', () => {
  it('is what the policy engine reads as a Principal', () => {
    const context: AuthContext = createAuthContext({
      user_id: 'bob',
      roles: ['user'],
      method: 'static',
    })
    const principal: Principal = context
    expect(principal).toEqual({
      authenticated: true,
      user_id: 'bob',
      roles: ['user'],
      claims: {},
      scopes: [],
      method: 'static',
    })
  })

  it('is deeply frozen, claims included', () => {
    const context = createAuthContext({
      user_id: 'bob',
      claims: { realm_access: { roles: ['admin'] } },
      method: 'jwt',
    })
    expect(Object.isFrozen(context.claims)).toBe(true)
    expect(Object.isFrozen((context.claims.realm_access as { roles: string[] }).roles)).toBe(true)
  })

  it('does not share the caller’s claim objects', () => {
    const claims = { tenant: 'acme' }
    const context = createAuthContext({ user_id: 'bob', claims, method: 'jwt' })
    claims.tenant = 'evil'
    expect(context.claims.tenant).toBe('acme')
  })

  it('does not share nested claim objects either', () => {
    const claims = { realm_access: { roles: ['user'] }, tenant: 'acme' }
    const context = createAuthContext({ user_id: 'bob', claims, method: 'jwt' })
    claims.realm_access.roles.push('admin')
    expect(context.claims).toEqual({ realm_access: { roles: ['user'] }, tenant: 'acme' })
  })

  it('keeps a claim named __proto__ as data, not as a prototype', () => {
    const claims = JSON.parse('{"__proto__": {"admin": true}, "tenant": "acme"}') as Record<
      string,
      unknown
    >
    const flat = JSON.parse('{"__proto__": "x"}') as Record<string, unknown>
    for (const input of [claims, flat]) {
      const context = createAuthContext({ user_id: 'bob', claims: input, method: 'jwt' })
      expect(Object.getPrototypeOf(context.claims)).toBe(Object.prototype)
      expect(Object.hasOwn(context.claims, '__proto__')).toBe(true)
      expect((context.claims as { admin?: unknown }).admin).toBeUndefined()
    }
  })

  it('refuses claims that cannot be copied', () => {
    expect(() =>
      createAuthContext({ user_id: 'bob', claims: { check: () => true }, method: 'jwt' }),
    ).toThrow()
  })

  it('drops duplicate roles', () => {
    expect(
      createAuthContext({ user_id: 'bob', roles: ['a', 'b', 'a'], method: 'static' }).roles,
    ).toEqual(['a', 'b'])
  })

  it('has an anonymous principal that is not authenticated', () => {
    expect(ANONYMOUS).toMatchObject({ authenticated: false, roles: [], method: 'anonymous' })
    expect(ANONYMOUS.user_id).toBeUndefined()
    expect(Object.isFrozen(ANONYMOUS)).toBe(true)
  })
})
