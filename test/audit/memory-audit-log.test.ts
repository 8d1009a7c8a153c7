import { describe, expect, it } from 'vitest'
import { GENESIS_HASH } from '../../src/audit/audit-record.js'
import { memoryAuditLog } from '../../src/audit/memory-audit-log.js'
import { verifyAuditText } from '../../src/audit/verify-audit-log.js'
import { decisionEntry } from './audit-entries.js'

const failedWrite = expect.objectContaining({ code: 'ERR_AUDIT_WRITE_FAILED' })

describe('memoryAuditLog', () => {
  it('builds the same hash chain as the file log', async () => {
    const log = memoryAuditLog()
    expect(log.lastHash).toBe(GENESIS_HASH)
    const first = await log.append(decisionEntry({ decision_id: 'd1' }))
    const second = await log.append(decisionEntry({ decision_id: 'd2' }))
    expect(second).toMatchObject({ seq: 2, prev: first.hash })
    expect(log.records).toEqual([first, second])
    expect(log.lastSeq).toBe(2)
    expect(verifyAuditText(log.text())).toEqual({ ok: true, records: 2, lastHash: second.hash })
  })

  it('keeps only the digest of the arguments by default', async () => {
    const log = memoryAuditLog()
    const record = await log.append(decisionEntry({ arguments: { token: 'SECRET' } }))
    expect(record).not.toHaveProperty('arguments')
    expect(log.text()).not.toContain('SECRET')
  })

  it('rejects appends while failing, without advancing the chain', async () => {
    const log = memoryAuditLog()
    await log.append(decisionEntry())
    log.setFailing(true)
    await expect(log.append(decisionEntry())).rejects.toEqual(failedWrite)
    log.setFailing(false)
    expect(await log.append(decisionEntry())).toMatchObject({ seq: 2 })
    expect(verifyAuditText(log.text())).toMatchObject({ ok: true, records: 2 })
  })

  it('rejects appends after close', async () => {
    const log = memoryAuditLog()
    await log.close()
    await expect(log.append(decisionEntry())).rejects.toEqual(failedWrite)
  })
})
