import { WardenError } from '../errors.js'
import type { AuditEntry, AuditRecord } from './audit-record.js'

/** The seam every component audits through: the JSONL file, or memory in tests. */
export interface AuditLog {
  /**
   * Resolves with the written record once the operating system has it (and, with
   * `sync: 'always'`, once it is on disk); rejects with ERR_AUDIT_WRITE_FAILED when the
   * record was not written. Concurrent calls are written one at a time, in call order.
   */
  append(entry: AuditEntry): Promise<AuditRecord>
  /** Waits for pending appends, then releases the file; later appends reject. */
  close(): Promise<void>
  /** The hash of the last record written (64 zeros for an empty log): ship it elsewhere. */
  readonly lastHash: string
  /** The seq of the last record written (0 for an empty log). */
  readonly lastSeq: number
}

export interface AuditLogOptions {
  /** Store the call arguments next to their digest. Default false: they may hold secrets. */
  include_arguments?: boolean
  /** 'always' fdatasyncs after every record; 'none' (default) leaves flushing to the OS. */
  sync?: 'none' | 'always'
  /** The clock for `time` when an entry has none. */
  now?: () => Date
}

export interface ResolvedAuditLogOptions {
  include_arguments: boolean
  sync: 'none' | 'always'
  now: () => Date
}

/** Checks options when the log is built, so a typo fails at start-up, not on a request. */
export function resolveAuditLogOptions(options: AuditLogOptions = {}): ResolvedAuditLogOptions {
  const { include_arguments = false, sync = 'none', now = () => new Date() } = options
  if (typeof include_arguments !== 'boolean') {
    throw new WardenError('ERR_CONFIG_INVALID', 'audit include_arguments must be true or false')
  }
  if (sync !== 'none' && sync !== 'always') {
    throw new WardenError('ERR_CONFIG_INVALID', `audit sync must be none or always, not ${sync}`)
  }
  if (typeof now !== 'function') {
    throw new WardenError('ERR_CONFIG_INVALID', 'audit now must be a function')
  }
  return { include_arguments, sync, now }
}

export function auditWriteFailed(message: string, cause?: unknown): WardenError {
  return new WardenError(
    'ERR_AUDIT_WRITE_FAILED',
    message,
    cause === undefined ? undefined : { cause },
  )
}
