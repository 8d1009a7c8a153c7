import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/**
 * Reads the proxy's audit file: `tools/call` records per user, its size, and whether the hash
 * chain verifies (with dist's `verifyAuditLog`, the code `warden audit verify` runs).
 */
export async function countAuditRecords(root, file) {
  const { verifyAuditLog } = await import(join(root, 'dist', 'index.js'))
  const calls = new Map()
  let records = 0
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line === '') continue
    records++
    const record = JSON.parse(line)
    if (record.method !== 'tools/call') continue
    const user = record.identity?.user_id ?? '(none)'
    calls.set(user, (calls.get(user) ?? 0) + 1)
  }
  const verified = await verifyAuditLog(file)
  const { size } = await stat(file)
  return { records, calls, bytes: size, chainOk: verified.ok === true, verified }
}
