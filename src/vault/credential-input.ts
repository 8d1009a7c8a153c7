import { z } from 'zod'
import { WardenError } from '../errors.js'
import type { VaultCredential } from '../store/store.js'
import { checkCredentialHeaderName, hasControlCharacter } from './call-headers.js'
import { parseHostPattern } from './host-allowlist.js'

export const AUTH_TYPES = ['bearer', 'api_key', 'basic', 'header'] as const

/** What the owner gives to store a credential (the secret from stdin, never argv). */
export interface CredentialInput {
  name: string
  auth_type: VaultCredential['auth_type']
  /** api_key: default X-Api-Key; header: required; bearer/basic: Authorization. */
  header?: string
  allowed_hosts: string[]
  description?: string
  /** basic: `user:password`. */
  secret: string
}

const MAX_SECRET_BYTES = 8192

const inputSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)'),
  auth_type: z.enum(AUTH_TYPES),
  header: z.string().optional(),
  allowed_hosts: z.array(z.string()).min(1, 'name at least one host'),
  description: z.string().max(500).optional(),
  secret: z.string().min(1, 'is empty'),
})

/** A validated credential definition, hosts canonical; ERR_CONFIG_INVALID names the field. */
export function checkCredentialInput(input: CredentialInput): CredentialInput {
  const parsed = inputSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `${issue.path.join('.') || 'credential'}: ${issue.message}`,
    )
  }
  const value = parsed.data
  if (Buffer.byteLength(value.secret) > MAX_SECRET_BYTES || hasControlCharacter(value.secret)) {
    // A CR or LF in a header value would let the secret start a header line of its own.
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `secret: at most ${MAX_SECRET_BYTES} bytes, without control characters (line breaks)`,
    )
  }
  if (value.auth_type === 'basic' && !value.secret.includes(':')) {
    throw new WardenError('ERR_CONFIG_INVALID', 'secret: basic auth takes user:password')
  }
  const header = headerFor(value.auth_type, value.header)
  const hosts = [...new Set(value.allowed_hosts.map((entry) => canonicalEntry(entry)))]
  return {
    name: value.name,
    auth_type: value.auth_type,
    ...(header !== undefined ? { header } : {}),
    allowed_hosts: hosts,
    ...(value.description !== undefined ? { description: value.description } : {}),
    secret: value.secret,
  }
}

function headerFor(
  auth: VaultCredential['auth_type'],
  header: string | undefined,
): string | undefined {
  if (auth === 'bearer' || auth === 'basic') {
    if (header !== undefined && header.toLowerCase() !== 'authorization') {
      throw new WardenError('ERR_CONFIG_INVALID', `header: ${auth} credentials go in Authorization`)
    }
    return undefined
  }
  if (auth === 'header' && header === undefined) {
    throw new WardenError('ERR_CONFIG_INVALID', 'header: auth type header needs --header NAME')
  }
  const name = header ?? 'X-Api-Key'
  checkCredentialHeaderName(name)
  return name
}

/** The entry as stored: canonical host, `*.` kept, port only when not 443. */
function canonicalEntry(entry: string): string {
  const pattern = parseHostPattern(entry)
  return `${pattern.wildcard ? '*.' : ''}${pattern.host}${pattern.port === 443 ? '' : `:${pattern.port}`}`
}
