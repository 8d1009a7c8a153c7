import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultUpstream, rpcError, startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'

const POLICY = `
name: crash
default_effect: deny
rules:
  - { name: users, effect: allow, agents: { roles: [user] }, actions: [list, call] }
`

describe('fault: the upstream crashes mid-call', () => {
  let started: FaultProxy
  beforeAll(async () => {
    started = await startFaultProxy({
      policy: POLICY,
      config: {
        upstreams: { crashing: faultUpstream('crashing-upstream') },
        demo_keys: [{ user_id: 'bob', roles: ['user'] }],
        audit: { file: 'audit.jsonl' },
      },
    })
  })
  afterAll(() => started?.close())

  it('answers the call with ERR_UPSTREAM_UNAVAILABLE, and the next call works on a new process', async () => {
    const client = await started.clientAs('bob')
    const before = textOf(await client.callTool({ name: 'pid', arguments: {} }))
    const progress: number[] = []
    const error = await rpcError(
      client.callTool({ name: 'crash_mid_call', arguments: {} }, undefined, {
        onprogress: (p) => void progress.push(p.progress),
      }),
    )
    expect(error.code).toBe(-32603)
    expect(error.data?.code).toBe('ERR_UPSTREAM_UNAVAILABLE')
    // The progress sent before the crash was relayed; the half-written response was not taken for one.
    expect(progress).toEqual([1])
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'after the crash' } })
    expect(textOf(echoed)).toBe('after the crash')
    const after = textOf(await client.callTool({ name: 'pid', arguments: {} }))
    expect(after).not.toBe(before)
  })

  it('fails every call in flight when the upstream dies, none hangs', async () => {
    const client = await started.clientAs('bob')
    const slow = rpcError(client.callTool({ name: 'slow', arguments: {} }))
    const alsoSlow = rpcError(client.callTool({ name: 'slow', arguments: {} }))
    const crash = rpcError(client.callTool({ name: 'crash_mid_call', arguments: {} }))
    for (const error of await Promise.all([slow, alsoSlow, crash])) {
      expect(error.data?.code).toBe('ERR_UPSTREAM_UNAVAILABLE')
    }
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe(
      'again',
    )
  })

  it('leaves the other sessions and their upstreams untouched', async () => {
    const [crashing, bystander] = await Promise.all([
      started.clientAs('bob'),
      started.clientAs('bob'),
    ])
    const bystanderPid = textOf(await bystander.callTool({ name: 'pid', arguments: {} }))
    await rpcError(crashing.callTool({ name: 'crash_mid_call', arguments: {} }))
    expect(textOf(await bystander.callTool({ name: 'pid', arguments: {} }))).toBe(bystanderPid)
  })
})
