import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GENESIS_HASH } from '../../src/audit/audit-record.js'
import { openAuditLog } from '../../src/audit/open-audit-log.js'
import { recordHash } from '../../src/audit/record-hash.js'
import { verifyAuditLog, verifyAuditText } from '../../src/audit/verify-audit-log.js'
import { decisionEntry } from './audit-entries.js'

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-verify-'))
  file = join(dir, 'audit.jsonl')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Writes `count` records and returns the file's lines (without their newlines). */
async function chainOf(count: number): Promise<string[]> {
  const log = await openAuditLog(file)
  for (let index = 1; index <= count; index += 1) {
    await log.append(decisionEntry({ decision_id: `d${index}` }))
  }
  await log.close()
  return (await readFile(file, 'utf8')).split('\n').slice(0, -1)
}

async function rewrite(lines: string[], ending = '\n'): Promise<void> {
  await writeFile(file, lines.join('\n') + (lines.length > 0 ? ending : ''))
}

describe('verifyAuditLog', () => {
  it('reports an intact chain with its record count and last hash', async () => {
    const lines = await chainOf(5)
    const last = JSON.parse(lines[4]!) as { hash: string }
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 5, lastHash: last.hash })
  })

  it('accepts an empty file as an empty chain', async () => {
    await writeFile(file, '')
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 0, lastHash: GENESIS_HASH })
  })

  it('finds a changed field at its line', async () => {
    const lines = await chainOf(5)
    lines[2] = lines[2]!.replace('"effect":"allow"', '"effect":"deny"')
    await rewrite(lines)
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      records: 2,
      firstBadLine: 3,
      problem: 'hash_mismatch',
    })
  })

  it('finds a changed field whose hash was recomputed at the next line', async () => {
    const lines = await chainOf(5)
    const { hash: _old, ...unsealed } = JSON.parse(lines[2]!) as Record<string, unknown> & {
      prev: string
    }
    const forged = { ...unsealed, effect: 'deny' }
    lines[2] = JSON.stringify({ ...forged, hash: recordHash(forged) })
    await rewrite(lines)
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      firstBadLine: 4,
      problem: 'prev_mismatch',
    })
  })

  it('finds a deleted line', async () => {
    const lines = await chainOf(5)
    lines.splice(2, 1)
    await rewrite(lines)
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      records: 2,
      firstBadLine: 3,
      problem: 'prev_mismatch',
    })
  })

  it('finds a deleted first line', async () => {
    const lines = await chainOf(3)
    await rewrite(lines.slice(1))
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      records: 0,
      firstBadLine: 1,
      problem: 'prev_mismatch',
    })
  })

  it('finds reordered lines', async () => {
    const lines = await chainOf(5)
    ;[lines[1], lines[2]] = [lines[2]!, lines[1]!]
    await rewrite(lines)
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      firstBadLine: 2,
      problem: 'prev_mismatch',
    })
  })

  it('finds a truncated last line', async () => {
    const lines = await chainOf(3)
    lines[2] = lines[2]!.slice(0, 40)
    await rewrite(lines, '')
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      records: 2,
      firstBadLine: 3,
      problem: 'truncated',
    })
  })

  it('treats a whole last line without its newline as truncated', async () => {
    const lines = await chainOf(2)
    await rewrite(lines, '')
    expect(await verifyAuditLog(file)).toMatchObject({ firstBadLine: 2, problem: 'truncated' })
  })

  it('finds a line that is not JSON, an empty line and a line that is not a record', async () => {
    for (const [bad, problem] of [
      ['{"v":1,', 'invalid_json'],
      ['', 'invalid_json'],
      ['[1,2]', 'invalid_record'],
      ['{"v":2}', 'invalid_record'],
    ] as const) {
      const lines = await chainOf(2)
      lines.splice(1, 0, bad)
      await rewrite(lines)
      expect(await verifyAuditLog(file)).toMatchObject({ firstBadLine: 2, problem })
    }
  })

  it('finds a seq that does not count up, even with a correct prev', async () => {
    const lines = await chainOf(2)
    const first = JSON.parse(lines[0]!) as { hash: string }
    const unsealed = { ...(JSON.parse(lines[1]!) as object), seq: 7, prev: first.hash }
    delete (unsealed as { hash?: string }).hash
    lines[1] = JSON.stringify({ ...unsealed, hash: recordHash(unsealed) })
    await rewrite(lines)
    expect(await verifyAuditLog(file)).toMatchObject({ firstBadLine: 2, problem: 'seq_mismatch' })
  })

  it('finds bytes that are not UTF-8', async () => {
    const lines = await chainOf(2)
    await writeFile(
      file,
      Buffer.concat([Buffer.from(`${lines[0]}\n`), Buffer.from([0xff, 0xfe, 0x0a])]),
    )
    expect(await verifyAuditLog(file)).toMatchObject({ firstBadLine: 2, problem: 'invalid_json' })
  })

  it('reads a long chain streamed in chunks', async () => {
    await chainOf(1500)
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 1500 })
  })

  it('throws ERR_AUDIT_UNREADABLE for a missing file or a directory', async () => {
    const unreadable = expect.objectContaining({ code: 'ERR_AUDIT_UNREADABLE' })
    await expect(verifyAuditLog(join(dir, 'missing.jsonl'))).rejects.toEqual(unreadable)
    await mkdir(join(dir, 'folder'))
    await expect(verifyAuditLog(join(dir, 'folder'))).rejects.toEqual(unreadable)
  })
})

describe('verifyAuditText', () => {
  it('checks JSONL text the same way', async () => {
    const lines = await chainOf(3)
    expect(verifyAuditText(`${lines.join('\n')}\n`)).toMatchObject({ ok: true, records: 3 })
    expect(verifyAuditText(`${lines[0]}\n${lines[2]}\n`)).toMatchObject({
      ok: false,
      firstBadLine: 2,
      problem: 'prev_mismatch',
    })
    expect(verifyAuditText('')).toMatchObject({ ok: true, records: 0 })
  })
})
