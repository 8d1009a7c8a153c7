import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GENESIS_HASH } from '../../src/audit/audit-record.js'
import { canonicalDigest } from '../../src/audit/canonical-digest.js'
import { openAuditLog } from '../../src/audit/open-audit-log.js'
import { recordHash } from '../../src/audit/record-hash.js'
import { verifyAuditLog } from '../../src/audit/verify-audit-log.js'
import { decisionEntry } from './audit-entries.js'

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-audit-'))
  file = join(dir, 'audit.jsonl')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function lines(): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').slice(0, -1)
}

const failedWrite = expect.objectContaining({ code: 'ERR_AUDIT_WRITE_FAILED' })

describe('openAuditLog', () => {
  it('writes one JSON line per record, the first chained to 64 zeros', async () => {
    const log = await openAuditLog(file)
    const record = await log.append(decisionEntry())
    await log.close()
    const [line] = await lines()
    expect(JSON.parse(line!)).toEqual(record)
    expect(record).toMatchObject({
      v: 1,
      seq: 1,
      time: '2025-06-01T12:00:00.000Z',
      event: 'decision',
      decision_id: 'dec-1',
      identity: { user_id: 'bob', agent_id: 'claude', roles: ['user'], method: 'api_key' },
      method: 'tools/call',
      target: { tool: 'transfer_funds' },
      args_sha256: canonicalDigest({ amount: 500, recipient: 'alice' }),
      effect: 'allow',
      rule: 'small-transfers',
      policy: 'payments',
      latency_ms: 1.25,
      prev: GENESIS_HASH,
    })
    const { hash, ...unsealed } = record
    expect(hash).toBe(recordHash(unsealed))
  })

  it('creates missing directories and the file with mode 0600', async () => {
    const nested = join(dir, 'a', 'b', 'audit.jsonl')
    const log = await openAuditLog(nested)
    await log.append(decisionEntry())
    await log.close()
    expect((await stat(nested)).mode & 0o777).toBe(0o600)
  })

  it('continues the chain when an existing file is reopened', async () => {
    const first = await openAuditLog(file)
    await first.append(decisionEntry({ decision_id: 'd1' }))
    const second = await first.append(decisionEntry({ decision_id: 'd2' }))
    await first.close()

    const reopened = await openAuditLog(file)
    expect(reopened.lastSeq).toBe(2)
    expect(reopened.lastHash).toBe(second.hash)
    const third = await reopened.append(decisionEntry({ decision_id: 'd3' }))
    await reopened.close()

    expect(third).toMatchObject({ seq: 3, prev: second.hash })
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 3 })
  })

  it('writes 200 concurrent appends as a chain 1..200 in call order, never interleaved', async () => {
    const log = await openAuditLog(file)
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        log.append(decisionEntry({ decision_id: `d${index}`, arguments: { index } })),
      ),
    )
    await log.close()
    expect(records.map((record) => record.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    )
    expect(records.map((record) => record.decision_id)).toEqual(records.map((_, i) => `d${i}`))
    const written = await lines()
    expect(written).toHaveLength(200)
    expect(written.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual(
      records.map((record) => record.seq),
    )
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 200 })
  })

  it('never writes the arguments, the claims or the credential, only the digest', async () => {
    const log = await openAuditLog(file)
    await log.append(
      decisionEntry({
        identity: {
          user_id: 'bob',
          roles: ['user'],
          method: 'jwt',
          claims: { access_token: 'tok-SECRET-1' },
          api_key: 'wk_SECRET-2',
        } as never,
        arguments: { api_key: 'sk-live-SECRET-3' },
      }),
    )
    await log.close()
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain('SECRET')
    expect(JSON.parse(text)).toMatchObject({
      identity: { user_id: 'bob', roles: ['user'], method: 'jwt' },
      args_sha256: canonicalDigest({ api_key: 'sk-live-SECRET-3' }),
    })
    expect(JSON.parse(text)).not.toHaveProperty('arguments')
  })

  it('stores the arguments next to their digest when include_arguments is true', async () => {
    const log = await openAuditLog(file, { include_arguments: true })
    const record = await log.append(decisionEntry({ arguments: { b: 2, a: 1 } }))
    await log.close()
    expect(record.arguments).toEqual({ a: 1, b: 2 })
    expect(record.args_sha256).toBe(canonicalDigest({ a: 1, b: 2 }))
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true })
  })

  it('still audits a decision whose arguments are not JSON data, marking why', async () => {
    const log = await openAuditLog(file, { include_arguments: true })
    const record = await log.append(decisionEntry({ arguments: { amount: 2 ** 60 } }))
    await log.close()
    expect(record.args_error).toBe('ERR_NOT_CANONICALIZABLE')
    expect(record).not.toHaveProperty('args_sha256')
    expect(record).not.toHaveProperty('arguments')
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 1 })
  })

  it('replaces lone surrogates in names so a client cannot make a record unwritable', async () => {
    const log = await openAuditLog(file)
    const record = await log.append(decisionEntry({ target: { tool: 'evil\ud800' } }))
    await log.close()
    expect(record.target.tool).toBe('evil\ufffd')
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true })
  })

  it('records later approval steps with their own event, status and detail', async () => {
    const log = await openAuditLog(file)
    const record = await log.append(
      decisionEntry({
        effect: 'escalate',
        event: 'approval_resolved',
        status: 'approved',
        detail: { approval_id: 'apr-1', approver: 'alice', approval_method: 'passkey' },
      }),
    )
    await log.close()
    expect(record).toMatchObject({
      event: 'approval_resolved',
      status: 'approved',
      detail: { approval_id: 'apr-1', approver: 'alice', approval_method: 'passkey' },
    })
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true })
  })

  it('accepts a digest computed elsewhere and rejects one that is not a SHA-256', async () => {
    const log = await openAuditLog(file)
    const digest = canonicalDigest({ a: 1 })
    const { arguments: _omitted, ...withoutArguments } = decisionEntry()
    expect(await log.append({ ...withoutArguments, args_sha256: digest })).toMatchObject({
      args_sha256: digest,
    })
    await expect(log.append({ ...withoutArguments, args_sha256: 'abc' })).rejects.toEqual(
      failedWrite,
    )
    await log.close()
  })

  it('fsyncs every record with sync: always', async () => {
    const log = await openAuditLog(file, { sync: 'always' })
    await log.append(decisionEntry())
    await log.append(decisionEntry())
    await log.close()
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 2 })
  })

  it('rejects unknown options when opened', async () => {
    await expect(openAuditLog(file, { sync: 'sometimes' as never })).rejects.toEqual(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})

describe('openAuditLog on a damaged file', () => {
  async function writeTwo(): Promise<void> {
    const log = await openAuditLog(file)
    await log.append(decisionEntry({ decision_id: 'd1' }))
    await log.append(decisionEntry({ decision_id: 'd2' }))
    await log.close()
  }

  it('refuses a file whose last line was cut short, and leaves it as it is', async () => {
    await writeTwo()
    const size = (await stat(file)).size
    await truncate(file, size - 20)
    await expect(openAuditLog(file)).rejects.toEqual(
      expect.objectContaining({ code: 'ERR_AUDIT_CHAIN_BROKEN' }),
    )
    expect((await stat(file)).size).toBe(size - 20)
  })

  it('refuses a file whose last record was edited', async () => {
    await writeTwo()
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace(/"decision_id":"d2"/, '"decision_id":"dX"'))
    await expect(openAuditLog(file)).rejects.toEqual(
      expect.objectContaining({ code: 'ERR_AUDIT_CHAIN_BROKEN' }),
    )
  })

  it('refuses a file that ends in a line of garbage', async () => {
    await writeTwo()
    await appendFile(file, 'not json\n')
    await expect(openAuditLog(file)).rejects.toEqual(
      expect.objectContaining({ code: 'ERR_AUDIT_CHAIN_BROKEN' }),
    )
  })

  it('finds the last record when it is longer than the first read window', async () => {
    const log = await openAuditLog(file, { include_arguments: true })
    await log.append(decisionEntry())
    const long = await log.append(decisionEntry({ arguments: { blob: 'x'.repeat(200_000) } }))
    await log.close()
    const reopened = await openAuditLog(file)
    expect(reopened.lastHash).toBe(long.hash)
    await reopened.close()
  })
})

describe('openAuditLog when the record cannot be written', () => {
  it('rejects opening a file under a regular file', async () => {
    await writeFile(join(dir, 'plain'), 'x')
    await expect(openAuditLog(join(dir, 'plain', 'audit.jsonl'))).rejects.toEqual(failedWrite)
  })

  it('rejects opening a directory', async () => {
    await mkdir(file)
    await expect(openAuditLog(file)).rejects.toEqual(failedWrite)
  })

  it.skipIf(!existsSync('/dev/full'))(
    'rejects appends to a full device, and every later one, without advancing',
    async () => {
      const log = await openAuditLog('/dev/full')
      await expect(log.append(decisionEntry())).rejects.toEqual(failedWrite)
      await expect(log.append(decisionEntry())).rejects.toEqual(failedWrite)
      expect(log.lastSeq).toBe(0)
      await log.close()
    },
  )

  it('rejects appends after close', async () => {
    const log = await openAuditLog(file)
    await log.close()
    await expect(log.append(decisionEntry())).rejects.toEqual(failedWrite)
  })

  it('rejects a record that cannot be hashed and keeps the chain for the next one', async () => {
    const log = await openAuditLog(file)
    const results = await Promise.allSettled([
      log.append(decisionEntry({ decision_id: 'd1' })),
      log.append(decisionEntry({ decision_id: 'bad', latency_ms: NaN })),
      log.append(decisionEntry({ decision_id: 'd2', detail: { n: 2n as never } })),
      log.append(decisionEntry({ decision_id: 'd3' })),
    ])
    await log.close()
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ])
    expect((results[1] as PromiseRejectedResult).reason).toEqual(failedWrite)
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 2 })
  })

  it.skipIf(!HAS_PRLIMIT)(
    'cuts a partly written record back off, so the file still ends on a whole record',
    async () => {
      const log = await openAuditLog(file)
      const first = await log.append(decisionEntry({ decision_id: 'd1' }))
      const size = (await stat(file)).size
      await withFileSizeLimit(size + 50, async () => {
        await expect(log.append(decisionEntry({ decision_id: 'd2' }))).rejects.toEqual(failedWrite)
      })
      expect((await stat(file)).size).toBe(size)
      expect(log.lastHash).toBe(first.hash)
      expect(await log.append(decisionEntry({ decision_id: 'd3' }))).toMatchObject({ seq: 2 })
      await log.close()
      expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 2 })
    },
  )
})

const HAS_PRLIMIT = process.platform === 'linux' && spawnSync('prlimit', ['--version']).status === 0

/** RLIMIT_FSIZE on this test process: a write crossing `bytes` is cut short, then fails. */
async function withFileSizeLimit(bytes: number, run: () => Promise<void>): Promise<void> {
  const pid = String(process.pid)
  const [soft] = execFileSync('prlimit', ['--pid', pid, '--fsize', '--output=SOFT', '--noheadings'])
    .toString()
    .trim()
    .split(/\s+/)
  execFileSync('prlimit', ['--pid', pid, `--fsize=${bytes}:`])
  try {
    await run()
  } finally {
    execFileSync('prlimit', ['--pid', pid, `--fsize=${soft}:`])
  }
}
