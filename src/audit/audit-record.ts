import type { Effect } from '../policy/request.js'

/** The `prev` of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64)

/** What the record is about; `decision` unless a later step of the same request. */
export type AuditEvent =
  'decision' | 'approval_requested' | 'approval_resolved' | 'executed' | 'result'

/** Who asked. Only these four fields are copied: never claims, credentials or tokens. */
export interface AuditIdentity {
  user_id?: string
  agent_id?: string
  roles: readonly string[]
  /** How the identity was established: api_key, jwt, header, static, anonymous. */
  method?: string
}

/** What was asked for: one of a tool, a resource URI or a prompt (none for list calls). */
export interface AuditTarget {
  tool?: string
  uri?: string
  prompt?: string
}

/** Event-specific facts (approval_id, approver, approval_method, …): scalars only. */
export type AuditDetail = Readonly<
  Record<string, string | number | boolean | null | readonly string[]>
>

/** What a caller hands to `AuditLog.append`; the log adds the chain fields. */
export interface AuditEntry {
  decision_id: string
  session_id?: string
  /** An `AuthContext` fits: only user_id, agent_id, roles and method are kept. */
  identity: AuditIdentity
  /** The MCP method, e.g. `tools/call`. */
  method: string
  target?: AuditTarget
  /** Digested into `args_sha256`; stored only when the log has `include_arguments: true`. */
  arguments?: unknown
  /** A digest computed elsewhere (canonicalDigest), used when `arguments` is absent. */
  args_sha256?: string
  effect: Effect
  rule: string | null
  policy: string | null
  reason?: string
  latency_ms: number
  event?: AuditEvent
  status?: string
  detail?: AuditDetail
  /** Defaults to the log's clock. */
  time?: Date
}

/** One line of the audit file. See docs/audit.md for each field and the hash rule. */
export interface AuditRecord {
  v: 1
  seq: number
  time: string
  event: AuditEvent
  decision_id: string
  session_id?: string
  identity: AuditIdentity
  method: string
  target: AuditTarget
  args_sha256?: string
  /** Why there is no args_sha256 although arguments were given (they were not JSON data). */
  args_error?: 'ERR_NOT_CANONICALIZABLE'
  arguments?: unknown
  effect: Effect
  rule: string | null
  policy: string | null
  reason?: string
  status?: string
  detail?: AuditDetail
  latency_ms: number
  /** The previous record's `hash`, or GENESIS_HASH for the first record of the file. */
  prev: string
  /** sha256_hex(prev + "\n" + JCS(record without `hash`)). */
  hash: string
}
