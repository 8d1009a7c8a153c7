import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../../src/errors.js'
import { openStore, storeTarget } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'

let dir: string
const opened: Store[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-open-store-'))
})

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function open(url?: string): Promise<Store> {
  const store = await openStore(url, { cwd: dir })
  opened.push(store)
  return store
}

async function failure(promise: Promise<unknown>): Promise<WardenError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  if (!(error instanceof WardenError))
    throw new Error(`expected a WardenError, got ${String(error)}`)
  return error
}

describe('openStore', () => {
  it('defaults to .warden/warden.db under the working directory, creating the folder 0700', async () => {
    const store = await open()
    expect(store.location).toBe(`sqlite:${join(dir, '.warden', 'warden.db')}`)
    expect((await stat(join(dir, '.warden'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '.warden', 'warden.db'))).mode & 0o777).toBe(0o600)
  })

  it('opens sqlite:PATH, sqlite:///ABSOLUTE and bare paths relative to cwd', async () => {
    expect((await open('sqlite:data/a.db')).location).toBe(`sqlite:${join(dir, 'data', 'a.db')}`)
    expect((await open(`sqlite://${join(dir, 'b.db')}`)).location).toBe(
      `sqlite:${join(dir, 'b.db')}`,
    )
    expect((await open('c.db')).location).toBe(`sqlite:${join(dir, 'c.db')}`)
    expect((await stat(join(dir, 'data', 'a.db'))).isFile()).toBe(true)
  })

  it('opens an in-memory database', async () => {
    const store = await open('sqlite::memory:')
    expect(store.location).toBe('sqlite::memory:')
    expect(await store.putSettingIfAbsent('k', 'v')).toBe('v')
  })

  it('refuses an unknown scheme, naming the URL without its password', async () => {
    const error = await failure(open('mysql://root:hunter2@db.example/warden'))
    expect(error.code).toBe('ERR_STORE_URL_INVALID')
    expect(error.message).toContain('mysql://root@db.example/warden')
    expect(error.message).not.toContain('hunter2')
    expect((await failure(open(''))).code).toBe('ERR_STORE_URL_INVALID')
    expect((await failure(open('sqlite:'))).code).toBe('ERR_STORE_URL_INVALID')
  })

  it('reports a SQLite file that cannot be opened as unavailable', async () => {
    await open('sqlite:taken.db')
    const error = await failure(open(`sqlite:${dir}`))
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE')
    expect(error.message).toContain(`sqlite:${dir}`)
  })

  it('reports an unreachable PostgreSQL server as unavailable, without the password', async () => {
    const error = await failure(open('postgres://warden:hunter2@127.0.0.1:1/warden'))
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE')
    expect(error.message).toContain('postgres://warden@127.0.0.1:1/warden')
    expect(error.message).not.toContain('hunter2')
  })
})

describe('storeTarget', () => {
  it('tells SQLite paths from PostgreSQL URLs', () => {
    expect(storeTarget('postgresql://h/db')).toEqual({ kind: 'postgres', url: 'postgresql://h/db' })
    expect(storeTarget('postgres://h/db')).toEqual({ kind: 'postgres', url: 'postgres://h/db' })
    expect(storeTarget('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' })
    expect(storeTarget('sqlite:/var/lib/w.db')).toEqual({ kind: 'sqlite', path: '/var/lib/w.db' })
    expect(storeTarget('./w.db')).toEqual({ kind: 'sqlite', path: './w.db' })
    expect(storeTarget('C:\\warden\\w.db')).toEqual({ kind: 'sqlite', path: 'C:\\warden\\w.db' })
    expect(() => storeTarget('redis://h')).toThrow(WardenError)
    expect(() => storeTarget('postgres:h/db')).toThrow(WardenError)
  })
})
