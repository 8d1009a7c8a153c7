import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { ANY_REQUEST, type Store } from '../../src/store/store.js'

const run = promisify(execFile)
let dir: string
let store: Store | undefined

afterEach(async () => {
  await store?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('SQLite change notifications across processes', () => {
  it('wakes listeners when another process commits to the same file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-sqlite-xproc-'))
    const file = join(dir, 'warden.db')
    store = await openStore(`sqlite:${file}`)
    const heard: string[] = []
    const unsubscribe = store.onRequestChanged((id) => heard.push(id))
    // Another process (as `warden serve` beside a proxy) writes with its own connection.
    const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)});
      db.prepare("INSERT INTO settings (key, value) VALUES ('probe', 'x')").run(); db.close()`
    await run(process.execPath, ['-e', script], { cwd: process.cwd() })
    await expect.poll(() => heard, { timeout: 5_000 }).toContain(ANY_REQUEST)
    unsubscribe()
  })
})
