import { createHash } from 'node:crypto'
import { WardenError } from '../errors.js'
import type { AuditEntry, AuditIdentity, AuditRecord, AuditTarget } from './audit-record.js'
import { canonicalJson } from './canonical-digest.js'
import { recordHash } from './record-hash.js'

export interface SealOptions {
  include_arguments: boolean
  now: () => Date
}

/** Where the next record goes in the chain. */
export interface ChainLink {
  seq: number
  prev: string
}

const SHA256_HEX = /^[0-9a-f]{64}$/

/** A record's content: everything but the chain fields, fixed when append is called. */
export type AuditBody = Omit<AuditRecord, 'v' | 'seq' | 'prev' | 'hash'>

/** The record's content for `entry`, with the arguments digested and strings well formed. */
export function auditBody(entry: AuditEntry, options: SealOptions): AuditBody {
  return wellFormed({
    time: (entry.time ?? options.now()).toISOString(),
    event: entry.event ?? 'decision',
    decision_id: entry.decision_id,
    ...(entry.session_id !== undefined ? { session_id: entry.session_id } : {}),
    identity: auditIdentity(entry.identity),
    method: entry.method,
    target: auditTarget(entry.target),
    ...argumentFields(entry, options.include_arguments),
    effect: entry.effect,
    rule: entry.rule,
    policy: entry.policy,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.status !== undefined ? { status: entry.status } : {}),
    ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
    latency_ms: entry.latency_ms,
  }) as AuditBody
}

/** The record at `link` and its line (JSON + "\n"); throws if the body cannot be hashed. */
export function sealRecord(
  body: AuditBody,
  link: ChainLink,
): { record: AuditRecord; line: string } {
  const unsealed: Omit<AuditRecord, 'hash'> = { v: 1, seq: link.seq, ...body, prev: link.prev }
  const record: AuditRecord = { ...unsealed, hash: recordHash(unsealed) }
  return { record, line: `${JSON.stringify(record)}\n` }
}

/** Picks the four identity fields by name, so claims or credentials never reach the file. */
function auditIdentity(identity: AuditIdentity): AuditIdentity {
  return {
    ...(identity.user_id !== undefined ? { user_id: identity.user_id } : {}),
    ...(identity.agent_id !== undefined ? { agent_id: identity.agent_id } : {}),
    roles: [...identity.roles],
    ...(identity.method !== undefined ? { method: identity.method } : {}),
  }
}

function auditTarget(target: AuditTarget | undefined): AuditTarget {
  return {
    ...(target?.tool !== undefined ? { tool: target.tool } : {}),
    ...(target?.uri !== undefined ? { uri: target.uri } : {}),
    ...(target?.prompt !== undefined ? { prompt: target.prompt } : {}),
  }
}

function argumentFields(
  entry: AuditEntry,
  includeArguments: boolean,
): Pick<AuditRecord, 'args_sha256' | 'args_error' | 'arguments'> {
  if (entry.arguments === undefined) {
    if (entry.args_sha256 === undefined) return {}
    if (!SHA256_HEX.test(entry.args_sha256)) {
      throw new WardenError('ERR_AUDIT_WRITE_FAILED', 'args_sha256 is not a hex SHA-256 digest')
    }
    return { args_sha256: entry.args_sha256 }
  }
  let canonical: string
  try {
    canonical = canonicalJson(entry.arguments)
  } catch {
    // The decision is still audited; the gate decides separately whether such arguments run.
    return { args_error: 'ERR_NOT_CANONICALIZABLE' }
  }
  return {
    args_sha256: createHash('sha256').update(canonical, 'utf8').digest('hex'),
    ...(includeArguments ? { arguments: JSON.parse(canonical) as unknown } : {}),
  }
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Lone surrogates (a client can send them) become U+FFFD, so no name can make a record unhashable. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATES, '\uFFFD')
  if (Array.isArray(value)) return value.map(wellFormed)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [wellFormed(key), wellFormed(member)]),
    )
  }
  return value
}
