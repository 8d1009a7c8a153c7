import { z } from 'zod'
import { parseDuration } from './duration.js'

const name = z.string().min(1).optional()
const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])

/** `30s`, `5m`, `12h`, `30d`, as milliseconds. */
const duration = z.string().transform((text, context) => {
  const ms = parseDuration(text)
  if (ms === undefined) {
    context.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m, 12h or 30d' })
    return z.NEVER
  }
  return ms
})

const algorithm = z.string().refine((value) => value.toLowerCase() !== 'none', {
  message: '"none" is never allowed',
})

export const apiKeyConfigSchema = z.strictObject({
  type: z.literal('api_key'),
  name,
  /** YAML file of hashed keys, relative to the config file. */
  keys_file: z.string().min(1),
  header: z.string().min(1).default('x-api-key'),
})

export const jwtConfigSchema = z.strictObject({
  type: z.literal('jwt'),
  name,
  // Exactly one key source.
  jwks_url: z.string().min(1).optional(),
  jwks_file: z.string().min(1).optional(),
  /** Inline PEM (`-----BEGIN PUBLIC KEY-----`) or a path to a PEM file. */
  public_key: z.string().min(1).optional(),
  /** Name of the environment variable holding the HS secret. */
  secret_env: z.string().min(1).optional(),
  secret_file: z.string().min(1).optional(),
  jwks_cooldown: duration.optional(),
  jwks_cache_max_age: duration.optional(),
  jwks_timeout: duration.optional(),
  algorithms: z.array(algorithm).min(1).optional(),
  issuer: stringOrList.optional(),
  audience: stringOrList.optional(),
  require_issuer: z.boolean().default(true),
  require_audience: z.boolean().default(true),
  clock_tolerance: duration.default(30_000),
  required_claims: z.array(z.string().min(1)).default([]),
  user_id_claim: z.string().min(1).default('sub'),
  roles_claim: z.string().min(1).optional(),
  scope_claim: z.string().min(1).default('scope'),
  agent_id_claim: z.string().min(1).optional(),
  required_scopes: z.array(z.string().min(1)).default([]),
})

export const headerConfigSchema = z.strictObject({
  type: z.literal('header'),
  name,
  trusted_proxies: z.array(z.string().min(1)).default([]),
  shared_secret_env: z.string().min(1).optional(),
  shared_secret_file: z.string().min(1).optional(),
  shared_secret_header: z.string().min(1).default('x-warden-proxy-secret'),
  user_id_header: z.string().min(1).default('x-user-id'),
  roles_header: z.string().min(1).default('x-user-roles'),
  agent_id_header: z.string().min(1).default('x-agent-id'),
})

export const staticConfigSchema = z.strictObject({
  type: z.literal('static'),
  name,
  user_id: z.string().min(1),
  roles: z.array(z.string().min(1)).default([]),
  agent_id: z.string().min(1).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
})

export const identityProviderConfigSchema = z.discriminatedUnion('type', [
  apiKeyConfigSchema,
  jwtConfigSchema,
  headerConfigSchema,
  staticConfigSchema,
])

/** The `identity:` list of warden.yaml, tried in order. */
export const identityConfigSchema = z.array(identityProviderConfigSchema).min(1)

export type ApiKeyConfig = z.output<typeof apiKeyConfigSchema>
export type JwtConfig = z.output<typeof jwtConfigSchema>
export type HeaderConfig = z.output<typeof headerConfigSchema>
export type StaticConfig = z.output<typeof staticConfigSchema>
export type IdentityProviderConfig = z.output<typeof identityProviderConfigSchema>
/** As written in warden.yaml, before defaults. */
export type IdentityConfigInput = z.input<typeof identityConfigSchema>
