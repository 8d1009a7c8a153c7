import {
  auditWriteFailed,
  resolveAuditLogOptions,
  type AuditLog,
  type AuditLogOptions,
} from './audit-log.js'
import { GENESIS_HASH, type AuditEntry, type AuditRecord } from './audit-record.js'
import { auditBody, sealRecord } from './seal-record.js'

/** An audit log held in memory, for tests of the components that audit. */
export interface MemoryAuditLog extends AuditLog {
  /** The records written so far, in order. */
  readonly records: readonly AuditRecord[]
  /** The JSONL a file log would hold; `verifyAuditText` checks it. */
  text(): string
  /** While true, every append rejects with ERR_AUDIT_WRITE_FAILED (a full or lost disk). */
  setFailing(failing: boolean): void
}

/** Builds the same hash-chained records as the file log, without a file. */
export function memoryAuditLog(options?: AuditLogOptions): MemoryAuditLog {
  const resolved = resolveAuditLogOptions(options)
  const records: AuditRecord[] = []
  const lines: string[] = []
  let failing = false
  let closed = false
  const last = (): AuditRecord | undefined => records.at(-1)
  return {
    records,
    get lastHash() {
      return last()?.hash ?? GENESIS_HASH
    },
    get lastSeq() {
      return last()?.seq ?? 0
    },
    async append(entry: AuditEntry): Promise<AuditRecord> {
      if (closed) throw auditWriteFailed('the audit log is closed')
      if (failing) throw auditWriteFailed('the audit log is failing (setFailing)')
      let sealed: { record: AuditRecord; line: string }
      try {
        const link = { seq: (last()?.seq ?? 0) + 1, prev: last()?.hash ?? GENESIS_HASH }
        sealed = sealRecord(auditBody(entry, resolved), link)
      } catch (error) {
        throw auditWriteFailed(
          `the audit record cannot be built: ${(error as Error).message}`,
          error,
        )
      }
      records.push(sealed.record)
      lines.push(sealed.line)
      return sealed.record
    },
    async close(): Promise<void> {
      closed = true
    },
    text: () => lines.join(''),
    setFailing(value: boolean): void {
      failing = value
    },
  }
}
