import { GENESIS_HASH, type AuditRecord } from './audit-record.js'
import { recordHash } from './record-hash.js'

/** Why a line breaks the chain; stable, for callers and tests to branch on. */
export type AuditProblem =
  | 'invalid_json'
  | 'invalid_record'
  | 'hash_mismatch'
  | 'prev_mismatch'
  | 'seq_mismatch'
  | 'truncated'

export interface AuditVerification {
  ok: boolean
  /** Records checked and intact (all of them when ok; those before the bad line otherwise). */
  records: number
  /** The hash of the last intact record (GENESIS_HASH when there is none): anchor this. */
  lastHash: string
  firstBadLine?: number
  problem?: AuditProblem
  reason?: string
}

type ParsedLine =
  | { record: AuditRecord }
  | { problem: 'invalid_json' | 'invalid_record' | 'hash_mismatch'; reason: string }

const SHA256_HEX = /^[0-9a-f]{64}$/

/** Parses one line and checks it against its own hash; the chain links are checked elsewhere. */
export function parseRecordLine(text: string): ParsedLine {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: 'invalid_json', reason: text === '' ? 'empty line' : 'not valid JSON' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'invalid_record', reason: 'not a JSON object' }
  }
  const { hash, ...unsealed } = value as Record<string, unknown>
  if (unsealed.v !== 1) return { problem: 'invalid_record', reason: 'v is not 1' }
  if (!Number.isSafeInteger(unsealed.seq) || (unsealed.seq as number) < 1) {
    return { problem: 'invalid_record', reason: 'seq is not a positive integer' }
  }
  if (typeof unsealed.prev !== 'string' || !SHA256_HEX.test(unsealed.prev)) {
    return { problem: 'invalid_record', reason: 'prev is not a hex SHA-256' }
  }
  if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) {
    return { problem: 'invalid_record', reason: 'hash is not a hex SHA-256' }
  }
  let expected: string
  try {
    expected = recordHash(unsealed as { prev: string })
  } catch {
    return { problem: 'invalid_record', reason: 'the record is not canonicalizable JSON data' }
  }
  if (expected !== hash) {
    return {
      problem: 'hash_mismatch',
      reason: 'hash does not match the record (a field was changed after it was written)',
    }
  }
  return { record: value as AuditRecord }
}

/** Checks lines in order: each must hash correctly, follow the previous one and count up by 1. */
export class ChainVerifier {
  #records = 0
  #lastHash = GENESIS_HASH
  #failure: Pick<AuditVerification, 'firstBadLine' | 'problem' | 'reason'> | undefined

  get failed(): boolean {
    return this.#failure !== undefined
  }

  /** `line` is 1-based; a complete line without its newline. */
  line(text: string, line: number): void {
    if (this.#failure) return
    const parsed = parseRecordLine(text)
    if ('problem' in parsed) return this.#fail(line, parsed.problem, parsed.reason)
    const { record } = parsed
    if (record.prev !== this.#lastHash) {
      const reason =
        line === 1
          ? 'the first record does not start a chain (prev is not 64 zeros): lines are missing'
          : `prev does not match the hash of line ${line - 1} (a line was removed, inserted or reordered)`
      return this.#fail(line, 'prev_mismatch', reason)
    }
    if (record.seq !== this.#records + 1) {
      return this.#fail(line, 'seq_mismatch', `seq is ${record.seq}, expected ${this.#records + 1}`)
    }
    this.#records += 1
    this.#lastHash = record.hash
  }

  /** `rest` is whatever followed the last newline; anything there is a cut-short write. */
  end(rest: string, line: number): AuditVerification {
    if (!this.#failure && rest !== '') {
      this.#fail(line, 'truncated', 'the last line is incomplete (no newline): a cut-short write')
    }
    return {
      ok: !this.#failure,
      records: this.#records,
      lastHash: this.#lastHash,
      ...this.#failure,
    }
  }

  #fail(line: number, problem: AuditProblem, reason: string): void {
    this.#failure = { firstBadLine: line, problem, reason }
  }
}
