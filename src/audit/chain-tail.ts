import type { FileHandle } from 'node:fs/promises'
import { WardenError } from '../errors.js'
import { GENESIS_HASH } from './audit-record.js'
import { parseRecordLine } from './chain-verifier.js'

/** Where an existing audit file's chain ends, so new records continue it. */
export interface ChainTail {
  seq: number
  hash: string
  /** The file's size in bytes: a failed write is cut back to it. */
  size: number
  /** A regular file; a device or pipe has no tail to read and cannot be cut back. */
  regular: boolean
}

const FIRST_WINDOW = 64 * 1024

/**
 * Reads the last line of the file and checks it against its own hash. A last line without
 * its newline, or one that does not hash, refuses the open: continuing would fork the chain.
 */
export async function readChainTail(handle: FileHandle, file: string): Promise<ChainTail> {
  const stats = await handle.stat()
  if (!stats.isFile()) return { seq: 0, hash: GENESIS_HASH, size: 0, regular: false }
  const size = stats.size
  if (size === 0) return { seq: 0, hash: GENESIS_HASH, size, regular: true }
  const text = await lastLine(handle, size, file)
  const parsed = parseRecordLine(text)
  if ('problem' in parsed) {
    throw chainBroken(file, `its last record is unusable (${parsed.reason})`)
  }
  return { seq: parsed.record.seq, hash: parsed.record.hash, size, regular: true }
}

async function lastLine(handle: FileHandle, size: number, file: string): Promise<string> {
  for (let window = Math.min(FIRST_WINDOW, size); ; window = Math.min(window * 2, size)) {
    const buffer = Buffer.alloc(window)
    const { bytesRead } = await handle.read(buffer, 0, window, size - window)
    if (bytesRead !== window) throw chainBroken(file, 'the file changed while it was read')
    if (buffer[window - 1] !== 0x0a) {
      throw chainBroken(file, 'its last line is incomplete (no newline): a cut-short write')
    }
    const start = window > 1 ? buffer.lastIndexOf(0x0a, window - 2) + 1 : 0
    if (start > 0 || window === size) return buffer.toString('utf8', start, window - 1)
  }
}

function chainBroken(file: string, why: string): WardenError {
  return new WardenError(
    'ERR_AUDIT_CHAIN_BROKEN',
    `refusing to append to ${file}: ${why}; run \`warden audit verify ${file}\``,
  )
}
