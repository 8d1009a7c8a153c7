import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultUpstream, rpcError, startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'

const POLICY = `
name: hang
default_effect: deny
rules:
  - { name: users, effect: allow, agents: { roles: [user] }, actions: [list, call] }
`

describe('fault: the upstream hangs', () => {
  let started: FaultProxy
  beforeAll(async () => {
    started = await startFaultProxy({
      policy: POLICY,
      config: {
        upstreams: { hanging: faultUpstream('hanging-upstream') },
        demo_keys: [{ user_id: 'bob', roles: ['user'] }],
        // The proxy's bound for one relayed request (the default is 10 minutes).
        request_timeout: '300ms',
      },
    })
  })
  afterAll(() => started?.close())

  it('times the call out with an error, and the session and its upstream survive', async () => {
    const client = await started.clientAs('bob')
    const pid = textOf(await client.callTool({ name: 'pid', arguments: {} }))
    // The client would wait a minute: the answer must come from the proxy's bound.
    const error = await rpcError(
      client.callTool({ name: 'hang', arguments: { label: 'first' } }, undefined, {
        timeout: 60_000,
      }),
    )
    expect(error.code).toBe(-32001)
    expect(error.message).toMatch(/timed out/i)
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    )
    expect(textOf(await client.callTool({ name: 'pid', arguments: {} }))).toBe(pid)
  })

  it('withdraws the timed-out call from the upstream (notifications/cancelled)', async () => {
    const client = await started.clientAs('bob')
    await rpcError(client.callTool({ name: 'hang', arguments: { label: 'withdrawn' } }))
    const cancelled = JSON.parse(
      textOf(await client.callTool({ name: 'cancelled', arguments: {} })),
    ) as string[]
    expect(cancelled).toEqual(['withdrawn'])
  })

  it('lets a hung call and quick calls share a session: only the hung one fails', async () => {
    const client = await started.clientAs('bob')
    const hung = rpcError(client.callTool({ name: 'hang', arguments: { label: 'shared' } }))
    const quick = await Promise.all(
      ['a', 'b', 'c'].map((text) => client.callTool({ name: 'echo', arguments: { text } })),
    )
    expect(quick.map(textOf)).toEqual(['a', 'b', 'c'])
    expect((await hung).code).toBe(-32001)
  })
})
