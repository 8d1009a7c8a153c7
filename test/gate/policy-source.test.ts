import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openPolicySource } from '../../src/gate/policy-source.js'
import { compilePolicies } from '../../src/policy/compile.js'

const WEATHER = fileURLToPath(new URL('../../policies/weather.yaml', import.meta.url))
const saturn = {
  action: 'call' as const,
  user: { roles: ['admin'] },
  tool: { name: 'get_saturn_weather' },
}

describe('openPolicySource', () => {
  it('loads a policy file path', async () => {
    const opened = await openPolicySource(WEATHER)
    expect(opened.current().decide(saturn).effect).toBe('allow')
  })

  it('takes a compiled set or builder output as is', async () => {
    const set = compilePolicies([{ name: 'none', rules: [] }])
    expect((await openPolicySource(set)).current()).toBe(set)
    const built = await openPolicySource([{ name: 'none', rules: [] }])
    expect(built.current().decide(saturn).effect).toBe('deny')
  })

  it('fails on a missing path', async () => {
    await expect(openPolicySource(['/nonexistent/x.yaml'])).rejects.toMatchObject({
      code: 'ERR_POLICY_NOT_FOUND',
    })
  })

  it('refuses something that is not a policy source', async () => {
    await expect(openPolicySource(42 as never)).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
    })
  })

  it('keeps the last good policies when a watched file breaks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-gate-'))
    const file = join(dir, 'weather.yaml')
    await writeFile(file, await readFile(WEATHER, 'utf8'))
    const errors: unknown[] = []
    const opened = await openPolicySource(file, {
      watch: true,
      onReloadError: (e) => errors.push(e),
    })
    try {
      const before = opened.current()
      await writeFile(file, 'name: [broken')
      await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0)
      expect(opened.current()).toBe(before)
    } finally {
      opened.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
