import { WardenError } from '../errors.js'

/** A bad identity option, found at start-up; `field` names it (`identity[1].audience`). */
export class IdentityConfigError extends WardenError {
  readonly field: string
  readonly detail: string

  constructor(field: string, detail: string) {
    super('ERR_IDENTITY_CONFIG_INVALID', `${field}: ${detail}`)
    this.name = 'IdentityConfigError'
    this.field = field
    this.detail = detail
  }

  /** The same problem, named from an enclosing path (`identity[1]` + `audience`). */
  within(parent: string): IdentityConfigError {
    return new IdentityConfigError(`${parent}.${this.field}`, this.detail)
  }
}

/** `identity[1].jwks_url` from a zod issue path. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('')
}
