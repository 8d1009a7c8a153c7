import { WardenError } from '../errors.js'
import type { AuthContext } from './auth-context.js'

/** The credential is valid but lacks scopes; HTTP answers 403 with `error="insufficient_scope"`. */
export class InsufficientScopeError extends WardenError {
  /** Every scope the request needs, for the challenge's `scope` parameter. */
  readonly required: readonly string[]

  constructor(required: readonly string[]) {
    super(
      'ERR_INSUFFICIENT_SCOPE',
      `the token lacks a required scope (needs: ${required.join(' ')})`,
    )
    this.name = 'InsufficientScopeError'
    this.required = [...required]
  }
}

/** Throws `InsufficientScopeError` unless the context holds every one of `required`. */
export function requireScopes(context: AuthContext, required: readonly string[]): void {
  if (required.some((scope) => !context.scopes.includes(scope))) {
    throw new InsufficientScopeError(required)
  }
}
