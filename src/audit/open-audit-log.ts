import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { WardenError } from '../errors.js'
import {
  auditWriteFailed,
  resolveAuditLogOptions,
  type AuditLog,
  type AuditLogOptions,
  type ResolvedAuditLogOptions,
} from './audit-log.js'
import type { AuditEntry, AuditRecord } from './audit-record.js'
import { readChainTail, type ChainTail } from './chain-tail.js'
import { auditBody, sealRecord, type AuditBody } from './seal-record.js'

/**
 * Opens (creating it, mode 0600, and its directories) the JSONL audit file for appending and
 * continues the chain its last record ends. Rejects with ERR_AUDIT_WRITE_FAILED when the file
 * cannot be opened, ERR_AUDIT_CHAIN_BROKEN when its last line is cut short or does not hash.
 * One writer per file: two processes appending to the same file fork the chain.
 */
export async function openAuditLog(file: string, options?: AuditLogOptions): Promise<AuditLog> {
  const resolved = resolveAuditLogOptions(options)
  const path = resolve(file)
  let handle: FileHandle
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    // a+ rather than a: the same descriptor reads the tail, so nothing can swap the file between.
    handle = await open(path, 'a+', 0o600)
  } catch (error) {
    throw auditWriteFailed(`cannot open the audit file ${path}: ${(error as Error).message}`, error)
  }
  try {
    return new FileAuditLog(handle, path, await readChainTail(handle, path), resolved)
  } catch (error) {
    await handle.close()
    if (error instanceof WardenError) throw error
    throw new WardenError('ERR_AUDIT_UNREADABLE', `cannot read ${path}`, { cause: error })
  }
}

class FileAuditLog implements AuditLog {
  readonly #handle: FileHandle
  readonly #path: string
  readonly #options: ResolvedAuditLogOptions
  readonly #regular: boolean
  #seq: number
  #hash: string
  #size: number
  #queue: Promise<unknown> = Promise.resolve()
  #state: 'open' | 'closed' | 'broken' = 'open'

  constructor(handle: FileHandle, path: string, tail: ChainTail, options: ResolvedAuditLogOptions) {
    this.#handle = handle
    this.#path = path
    this.#options = options
    this.#regular = tail.regular
    this.#seq = tail.seq
    this.#hash = tail.hash
    this.#size = tail.size
  }

  get lastHash(): string {
    return this.#hash
  }

  get lastSeq(): number {
    return this.#seq
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    let body: AuditBody
    try {
      body = auditBody(entry, this.#options)
    } catch (error) {
      return Promise.reject(cannotBuild(error))
    }
    const written = this.#queue.then(() => this.#write(body))
    this.#queue = written.catch(() => undefined)
    return written
  }

  close(): Promise<void> {
    const closed = this.#queue.then(async () => {
      if (this.#state === 'closed') return
      this.#state = 'closed'
      await this.#handle.close()
    })
    this.#queue = closed.catch(() => undefined)
    return closed
  }

  async #write(body: AuditBody): Promise<AuditRecord> {
    if (this.#state === 'closed') throw auditWriteFailed(`the audit log ${this.#path} is closed`)
    if (this.#state === 'broken') {
      throw auditWriteFailed(`the audit log ${this.#path} is unusable after a failed write`)
    }
    let sealed: { record: AuditRecord; line: string }
    try {
      sealed = sealRecord(body, { seq: this.#seq + 1, prev: this.#hash })
    } catch (error) {
      throw cannotBuild(error)
    }
    const bytes = Buffer.from(sealed.line, 'utf8')
    let written = 0
    try {
      while (written < bytes.length) {
        const { bytesWritten } = await this.#handle.write(bytes, written, bytes.length - written)
        if (bytesWritten === 0) throw new Error('the write made no progress')
        written += bytesWritten
      }
      if (this.#options.sync === 'always') await this.#handle.datasync()
    } catch (error) {
      if (written > 0) await this.#cutBack()
      throw auditWriteFailed(`cannot write to ${this.#path}: ${(error as Error).message}`, error)
    }
    this.#seq = sealed.record.seq
    this.#hash = sealed.record.hash
    this.#size += bytes.length
    return sealed.record
  }

  /** Removes a partly written (or unsynced) line so the file still ends on a whole record. */
  async #cutBack(): Promise<void> {
    try {
      if (!this.#regular) throw new Error('not a regular file')
      await this.#handle.truncate(this.#size)
    } catch {
      // The file may now end mid-record: refuse every later append rather than fork the chain.
      this.#state = 'broken'
    }
  }
}

function cannotBuild(error: unknown): WardenError {
  return auditWriteFailed(`the audit record cannot be built: ${(error as Error).message}`, error)
}
