import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { textOf } from '../harness.js'
import { httpClient, POLICY, startTestProxy, type StartedProxy } from './proxy-harness.js'

describe('warden proxy policy reload', () => {
  let started: StartedProxy
  beforeAll(async () => {
    started = await startTestProxy()
  })
  afterAll(() => started.proxy.close())

  it('changes decisions after a policy edit, and keeps the last good set after a bad one', async () => {
    const user = await httpClient(started.proxy.url!, { 'x-api-key': started.key('bob') })
    const call = () => user.callTool({ name: 'delete_notes', arguments: {} })
    expect((await call()).isError).toBe(true)

    const file = join(started.dir, 'policy.yaml')
    await writeFile(file, POLICY.replace('[echo, pid, read_notes, crash]', '[delete_notes]'))
    const good = await started.proxy.reloadPolicies()
    expect(started.proxy.policies()).toBe(good)
    expect(textOf(await call())).toBe('deleted')

    await writeFile(file, 'name: broken\nrules:\n  - { name: x, effect: maybe }\n')
    expect(await started.proxy.reloadPolicies()).toBe(good)
    expect(textOf(await call())).toBe('deleted')
    expect(started.logs.some((line) => /reload failed.*\n.*policy\.yaml:\d+:\d+/s.test(line))).toBe(
      true,
    )
    await user.close()
  })
})
