import { z } from 'zod'

/** 1 MiB: far above any real MCP request, far below what would strain memory. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576

const nonEmpty = z.string().min(1)

/** Upstream names become tool prefixes (`fs.read_file`), so they cannot hold the separator. */
export const UPSTREAM_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/

export const listenSchema = z.strictObject({
  transport: z.enum(['http', 'stdio']).default('http'),
  host: nonEmpty.default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8787),
  path: z.string().startsWith('/').default('/mcp'),
  /** `host:port` values the Host header may carry; default the listen address and localhost. */
  allowed_hosts: z.array(nonEmpty).optional(),
  /** Origins a browser may call from; a request with any other Origin is refused. */
  allowed_origins: z.array(nonEmpty).optional(),
  max_body_bytes: z.number().int().positive().default(DEFAULT_MAX_BODY_BYTES),
})

/** The operator's listener: /metrics, /healthz, /readyz. Keep it off public interfaces. */
export const adminSchema = z.strictObject({
  host: nonEmpty.default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(9464),
})

const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const

/** A duration in milliseconds, written `30s`, `500ms`, `2m`, or as a number of seconds. */
export const durationSchema = z
  .union([
    z.number().nonnegative().max(3600),
    z.string().regex(/^\d{1,7}(ms|s|m)$/, 'must be a duration such as 30s, 500ms or 2m'),
  ])
  .transform((value) => {
    if (typeof value === 'number') return value * 1000
    const [, amount, unit] = /^(\d+)(ms|s|m)$/.exec(value)!
    return Number(amount) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS]
  })

/** A duration flag as warden.yaml would hold it: `10` is ten seconds, `500ms` stays text. */
export function durationFlag(text: string): string | number {
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text
}

/** How long a shutdown waits for calls in flight. */
export const shutdownGraceSchema = durationSchema

/** How long one relayed request may go without an answer or progress; never 0 (no timeout). */
export const requestTimeoutSchema = durationSchema.refine((ms) => ms > 0, {
  message: 'must be longer than 0',
})

/** Sent as written, except `vault:NAME`: the vault's credential NAME (see openProxyVault). */
const headerValue = z.string().refine((value) => value.trim() !== 'vault:', {
  message: 'vault: needs a credential name (vault:NAME)',
})

export const stdioUpstreamSchema = z.strictObject({
  command: nonEmpty,
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: nonEmpty.optional(),
})

export const httpUpstreamSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
  headers: z.record(nonEmpty, headerValue).default({}),
})

const principalObject = z.strictObject({
  user_id: nonEmpty,
  roles: z.array(nonEmpty).default([]),
  agent_id: nonEmpty.optional(),
})

/** The top level of warden.yaml. Upstreams and identity are checked entry by entry afterwards. */
export const proxyConfigSchema = z.strictObject({
  listen: listenSchema.default(listenSchema.parse({})),
  upstreams: z.record(z.string().regex(UPSTREAM_NAME, 'letters, digits, _ and -'), z.unknown()),
  identity: z.array(z.unknown()).optional(),
  /** RFC 9728 metadata of this proxy; JWT audiences must name `resource`. */
  identity_resource: z
    .strictObject({
      resource: nonEmpty,
      authorization_servers: z.array(nonEmpty).optional(),
      scopes_supported: z.array(nonEmpty).optional(),
      resource_name: nonEmpty.optional(),
      resource_documentation: nonEmpty.optional(),
    })
    .optional(),
  policies: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  audit: z
    .strictObject({
      file: nonEmpty,
      on_failure: z.enum(['deny', 'continue']).default('deny'),
      include_arguments: z.boolean().default(false),
    })
    .optional(),
  expose_rule_names: z.boolean().default(false),
  upstream_sessions: z.enum(['isolated', 'shared']).default('isolated'),
  /** The caller of a stdio listener: `bob:user,auditor` or `{ user_id, roles, agent_id }`. */
  principal: z.union([nonEmpty, principalObject]).optional(),
  allow_anonymous: z.boolean().default(false),
  /** JSON-RPC methods the bridge does not know, relayed anyway. */
  allow_methods: z.array(nonEmpty).default([]),
  /** Demo only: API keys generated at start-up, printed once, valid until the proxy stops. */
  demo_keys: z.array(principalObject).optional(),
  /** Read by the approval service; the proxy denies escalations until it uses one. */
  approvals: z.unknown().optional(),
  /** Metrics and health checks on a listener of their own; none unless given. */
  admin: adminSchema.optional(),
  /** Milliseconds after parsing; default 30 s. */
  shutdown_grace: shutdownGraceSchema.default(30_000),
  /** Milliseconds after parsing; default 10 min. A progress notification starts it again. */
  request_timeout: requestTimeoutSchema.default(600_000),
})

export type RawProxyConfig = z.input<typeof proxyConfigSchema>
export type ParsedProxyConfig = z.output<typeof proxyConfigSchema>
