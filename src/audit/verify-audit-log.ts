import { open } from 'node:fs/promises'
import { TextDecoder } from 'node:util'
import { WardenError } from '../errors.js'
import { ChainVerifier, type AuditVerification } from './chain-verifier.js'

const NEWLINE = 0x0a

/**
 * Recomputes every record's hash and checks the prev links and seq numbers of an audit file,
 * reading it as a stream. A broken chain is a result (ok: false, with the first bad line);
 * a file that cannot be read throws ERR_AUDIT_UNREADABLE.
 */
export async function verifyAuditLog(file: string): Promise<AuditVerification> {
  const verifier = new ChainVerifier()
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let line = 0
  let pending: Buffer = Buffer.alloc(0)
  try {
    const handle = await open(file, 'r')
    try {
      for await (const chunk of handle.createReadStream({ autoClose: false })) {
        pending = Buffer.concat([pending, chunk as Buffer])
        let start = 0
        for (
          let end = pending.indexOf(NEWLINE);
          end !== -1;
          end = pending.indexOf(NEWLINE, start)
        ) {
          line += 1
          verifier.line(decodeLine(decoder, pending.subarray(start, end)), line)
          start = end + 1
        }
        pending = pending.subarray(start)
        if (verifier.failed) break
      }
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw new WardenError(
      'ERR_AUDIT_UNREADABLE',
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return verifier.end(pending.length > 0 ? decodeLine(decoder, pending) : '', line + 1)
}

/** The same checks over JSONL text already in memory (e.g. `memoryAuditLog().text()`). */
export function verifyAuditText(text: string): AuditVerification {
  const verifier = new ChainVerifier()
  const lines = text.split('\n')
  const rest = lines.pop() ?? ''
  lines.forEach((content, index) => verifier.line(content, index + 1))
  return verifier.end(rest, lines.length + 1)
}

/** Invalid UTF-8 becomes text that is not JSON, so the line reports as invalid_json. */
function decodeLine(decoder: TextDecoder, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch {
    return '\u0000not utf-8'
  }
}
