import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { watchPolicies, type PolicyWatcher } from '../../src/index.js'

const request = { action: 'call' as const, user: { roles: ['user'] }, tool: { name: 't' } }
const policy = (effect: string) =>
  `name: p\nrules:\n  - { name: r, effect: ${effect}, agents: { roles: [user] } }\n`

let watcher: PolicyWatcher | undefined
afterEach(() => watcher?.close())

function nextEvent<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve))
}

describe('watchPolicies', () => {
  it('refuses to start on a broken policy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-watch-'))
    await writeFile(join(dir, 'p.yaml'), 'name: p\nrules: [oops]\n')
    await expect(watchPolicies([dir])).rejects.toMatchObject({ code: 'ERR_POLICY_INVALID' })
  })

  it('swaps in a changed policy, and keeps the last good set when a change is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-watch-'))
    const file = join(dir, 'p.yaml')
    await writeFile(file, policy('allow'))
    let onReload: (version: string) => void = () => {}
    let onError: (error: unknown) => void = () => {}
    watcher = await watchPolicies([dir], {
      debounceMs: 20,
      onReload: (set) => onReload(set.version),
      onError: (error) => onError(error),
    })
    expect(watcher.current.decide(request).effect).toBe('allow')

    const reloaded = nextEvent<string>((resolve) => (onReload = resolve))
    await writeFile(file, policy('deny'))
    await reloaded
    expect(watcher.current.decide(request).effect).toBe('deny')

    const failed = nextEvent<unknown>((resolve) => (onError = resolve))
    const good = watcher.current
    await writeFile(file, policy('perhaps'))
    expect(await failed).toMatchObject({ code: 'ERR_POLICY_INVALID' })
    expect(watcher.current).toBe(good)
    expect(watcher.current.decide(request).effect).toBe('deny')
  })

  it('reloads on demand and serializes concurrent reloads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-watch-'))
    const file = join(dir, 'p.yaml')
    await writeFile(file, policy('allow'))
    watcher = await watchPolicies([file], { debounceMs: 10_000 })
    await writeFile(file, policy('escalate'))
    const [a, b] = await Promise.all([watcher.reload(), watcher.reload()])
    expect(a.decide(request).effect).toBe('escalate')
    expect(b).toBe(watcher.current)
  })
})

describe('watchPolicies in a busy directory', () => {
  it('reloads for the watched policy file, not for other files beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-watch-'))
    const file = join(dir, 'p.yaml')
    await writeFile(file, policy('allow'))
    let reloads = 0
    let onReload: () => void = () => {}
    watcher = await watchPolicies([file], {
      debounceMs: 10,
      onReload: () => {
        reloads++
        onReload()
      },
    })
    for (let i = 0; i < 5; i++) await writeFile(join(dir, `noise-${i}.log`), 'x')
    // Long enough for a reload the noise would have scheduled to have happened.
    await new Promise((resolve) => setTimeout(resolve, 200))
    const reloaded = nextEvent<void>((resolve) => (onReload = resolve))
    await writeFile(file, policy('deny'))
    await reloaded
    expect(reloads).toBe(1)
  })
})
