import { WardenError } from '../../errors.js'
import { LATEST_SCHEMA_VERSION } from './schema.js'

/** A URL as messages may show it: the password (userinfo or ?password=) removed. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1@')
  }
  if (parsed.password === '' && !parsed.searchParams.has('password')) return url
  parsed.password = ''
  parsed.searchParams.delete('password')
  return parsed.toString()
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}

/** The database cannot be opened or reached; `location` never carries a password. */
export function storeUnavailable(location: string, cause: unknown): WardenError {
  return new WardenError(
    'ERR_STORE_UNAVAILABLE',
    `cannot open the store ${location}: ${reasonOf(cause)}`,
    {
      cause,
    },
  )
}

/** A database written by a newer warden: refuse rather than guess at its schema. */
export function schemaTooNew(found: number, location: string): WardenError {
  return new WardenError(
    'ERR_STORE_MIGRATION_FAILED',
    `${location} has schema version ${found}, newer than the ${LATEST_SCHEMA_VERSION} this warden knows; upgrade warden`,
  )
}

export function migrationFailed(version: number, location: string, cause: unknown): WardenError {
  return new WardenError(
    'ERR_STORE_MIGRATION_FAILED',
    `migrating ${location} to schema version ${version} failed: ${reasonOf(cause)}`,
    { cause },
  )
}

/** Approver names are unique: they are what an approver types to sign in with TOTP. */
export function duplicateApprover(name: string, cause: unknown): WardenError {
  return new WardenError('ERR_APPROVAL_INVALID', `an approver named "${name}" already exists`, {
    cause,
  })
}
