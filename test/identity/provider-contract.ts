import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { WardenError, type WardenErrorCode } from '../../src/errors.js'
import type { AuthContext } from '../../src/identity/auth-context.js'
import type { IdentityProvider, IdentityRequest } from '../../src/identity/provider.js'
import type { Principal } from '../../src/policy/request.js'

export interface InvalidCredentialCase {
  name: string
  request: IdentityRequest
  code: WardenErrorCode
}

/** What one provider needs to be checked against the `IdentityProvider` contract. */
export interface ProviderContractFixture {
  provider: IdentityProvider
  valid: IdentityRequest
  expected: { user_id: string; roles: string[]; agent_id?: string }
  /** A request without this provider's credential; omitted by providers that always answer. */
  absent?: IdentityRequest
  invalid: InvalidCredentialCase[]
  /** Credential material that must never show in a context or an error. */
  secrets: string[]
  /** False only for the provider whose credential *is* the identity headers. */
  ignoresIdentityHeaders: boolean
}

const SPOOFED_HEADERS = { 'x-user-id': 'mallory', 'x-user-roles': 'admin', 'x-agent-id': 'evil' }

/** The contract every identity provider honours; each provider's test file runs it. */
export function describeProviderContract(label: string, fixture: ProviderContractFixture): void {
  describe(`${label} honours the IdentityProvider contract`, () => {
    if (fixture.absent) {
      const absent = fixture.absent
      it('returns null when its credential is absent', async () => {
        expect(await fixture.provider.authenticate(absent)).toBeNull()
      })
    }

    it('returns a frozen AuthContext with its method for a valid credential', async () => {
      const context = await fixture.provider.authenticate(fixture.valid)
      expect(context).not.toBeNull()
      const principal: Principal = context as AuthContext
      expect(principal.authenticated).toBe(true)
      expect(principal.method).toBe(fixture.provider.type)
      expect(principal.user_id).toBe(fixture.expected.user_id)
      expect(principal.roles).toEqual(fixture.expected.roles)
      expect(principal.agent_id).toBe(fixture.expected.agent_id)
      expect(Array.isArray(principal.scopes)).toBe(true)
      expect(typeof principal.claims).toBe('object')
      expect(Object.isFrozen(context)).toBe(true)
      expect(Object.isFrozen(context!.roles)).toBe(true)
    })

    if (fixture.ignoresIdentityHeaders) {
      it('never lets identity headers override what the credential proved', async () => {
        const spoofed = {
          ...fixture.valid,
          headers: { ...fixture.valid.headers, ...SPOOFED_HEADERS },
        }
        const context = await fixture.provider.authenticate(spoofed)
        expect(context?.user_id).toBe(fixture.expected.user_id)
        expect(context?.roles).toEqual(fixture.expected.roles)
        expect(context?.agent_id).toBe(fixture.expected.agent_id)
      })
    }

    for (const invalid of fixture.invalid) {
      it(`rejects ${invalid.name} with ${invalid.code}`, async () => {
        const error = await fixture.provider.authenticate(invalid.request).then(
          () => undefined,
          (thrown: unknown) => thrown,
        )
        expect(error).toBeInstanceOf(WardenError)
        expect((error as WardenError).code).toBe(invalid.code)
      })
    }

    it('keeps every secret out of the context and out of its errors', async () => {
      const context = await fixture.provider.authenticate(fixture.valid)
      const rendered = [JSON.stringify(context), inspect(context, { depth: 10 })]
      for (const invalid of fixture.invalid) {
        const error = await fixture.provider.authenticate(invalid.request).catch((e) => e)
        rendered.push(String(error), JSON.stringify(error), inspect(error, { depth: 10 }))
      }
      for (const secret of fixture.secrets) {
        for (const text of rendered) expect(text).not.toContain(secret)
      }
    })
  })
}
