import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parse, stringify } from 'yaml'
import { z } from 'zod'
import type { ApiKeyRecord, ApiKeyStore } from './api-key.js'
import { formatFieldPath, IdentityConfigError } from './config-error.js'

const isoTime = z.string().refine((value) => Number.isFinite(Date.parse(value)), {
  message: 'must be an ISO-8601 time',
})

const recordSchema = z.strictObject({
  prefix: z.string().regex(/^[A-Za-z0-9_-]{8}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be a lowercase SHA-256 hex digest' }),
  user_id: z.string().min(1),
  agent_id: z.string().min(1).optional(),
  roles: z.array(z.string().min(1)).default([]),
  created_at: isoTime,
  expires_at: isoTime.optional(),
  revoked_at: isoTime.optional(),
})

const fileSchema = z.strictObject({ keys: z.array(recordSchema).default([]) })

const FILE_HEADER =
  '# mcp-warden API keys: SHA-256 hashes only, never the keys. Manage with `warden keys`.\n'

/**
 * The records of a YAML keys file. A missing file is an empty list when `missingOk`, else
 * an error; a malformed one is always an error naming the file and the YAML path.
 */
export async function readApiKeysFile(
  path: string,
  options: { missingOk?: boolean } = {},
): Promise<ApiKeyRecord[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (isMissing(error) && options.missingOk) return []
    if (isMissing(error)) {
      throw new IdentityConfigError(
        path,
        'keys file not found (create keys with `warden keys create`)',
      )
    }
    throw new IdentityConfigError(path, 'keys file cannot be read')
  }
  return parseApiKeys(path, text)
}

function parseApiKeys(path: string, text: string): ApiKeyRecord[] {
  let document: unknown
  try {
    document = parse(text) ?? {}
  } catch {
    throw new IdentityConfigError(path, 'keys file is not valid YAML')
  }
  const result = fileSchema.safeParse(document)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new IdentityConfigError(`${path}:${formatFieldPath(issue.path)}`, issue.message)
  }
  const seen = new Set<string>()
  for (const [index, record] of result.data.keys.entries()) {
    if (seen.has(record.hash)) {
      throw new IdentityConfigError(`${path}:keys[${index}].hash`, 'duplicate key hash')
    }
    seen.add(record.hash)
  }
  return result.data.keys.map(withoutUndefined)
}

/** Replaces the file atomically (write a 0600 sibling, then rename over). */
export async function writeApiKeysFile(
  path: string,
  records: readonly ApiKeyRecord[],
): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const body = FILE_HEADER + stringify({ keys: records.map(withoutUndefined) })
  try {
    await writeFile(temporary, body, { mode: 0o600, flag: 'wx' })
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** How often a lookup looks at the keys file for changes. */
const RECHECK_MS = 1000

/**
 * An `ApiKeyStore` over a keys file, re-read when the file changes (checked at most once a
 * second) so that a key created or revoked by `warden keys` takes effect without a restart.
 */
export class FileApiKeyStore implements ApiKeyStore {
  readonly path: string
  #version = ''
  #checkedAt = 0
  #byHash = new Map<string, ApiKeyRecord>()

  readonly #recheckMs: number

  constructor(path: string, options: { recheckMs?: number } = {}) {
    this.path = path
    this.#recheckMs = options.recheckMs ?? RECHECK_MS
  }

  /** Reads the file now; a missing or malformed file is a start-up error. */
  async load(): Promise<void> {
    await this.#reload(await this.#currentVersion(), { missingOk: false })
  }

  async lookup(hash: string): Promise<ApiKeyRecord | undefined> {
    // A stat per request was the proxy's largest authentication cost: look at most once a second.
    const now = Date.now()
    if (now - this.#checkedAt >= this.#recheckMs) {
      this.#checkedAt = now
      const version = await this.#currentVersion()
      if (version !== this.#version) await this.#reload(version, { missingOk: true })
    }
    return this.#byHash.get(hash)
  }

  async #reload(version: string, options: { missingOk: boolean }): Promise<void> {
    const records = await readApiKeysFile(this.path, options)
    this.#byHash = new Map(records.map((record) => [record.hash, record]))
    this.#version = version
  }

  /** A deleted keys file holds no keys: every key is then rejected. */
  async #currentVersion(): Promise<string> {
    try {
      const info = await stat(this.path)
      return `${info.ino}:${info.size}:${info.mtimeMs}`
    } catch (error) {
      if (isMissing(error)) return 'missing'
      throw new IdentityConfigError(this.path, 'keys file cannot be read')
    }
  }
}

const FIELD_ORDER = [
  'prefix',
  'hash',
  'user_id',
  'agent_id',
  'roles',
  'created_at',
  'expires_at',
  'revoked_at',
] as const

/** The record with its fields in file order and unset ones left out. */
function withoutUndefined(record: ApiKeyRecord): ApiKeyRecord {
  const entries = FIELD_ORDER.filter((field) => record[field] !== undefined).map(
    (field) => [field, record[field]] as const,
  )
  return Object.fromEntries(entries) as unknown as ApiKeyRecord
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}
