import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sample } from '../observability/metrics-text.js'
import { rpcError, startFaultProxy, textOf, type FaultProxy } from './fault-proxy.js'
import { startSessionUpstream, type SessionUpstream } from './session-upstream.js'

const POLICY = `
name: remote
default_effect: deny
rules:
  - { name: users, effect: allow, agents: { roles: [user] }, actions: [list, call] }
`

describe('fault: a remote (Streamable HTTP) upstream restarts', () => {
  let upstream: SessionUpstream
  let started: FaultProxy
  beforeAll(async () => {
    upstream = await startSessionUpstream()
    started = await startFaultProxy({
      policy: POLICY,
      config: {
        upstreams: { remote: { url: upstream.url } },
        demo_keys: [{ user_id: 'bob', roles: ['user'] }],
        admin: { port: 0 },
      },
    })
  })
  afterAll(async () => {
    await started?.close()
    await upstream?.close()
  })

  const restarts = async () =>
    sample(await started.proxy.metrics!.registry.metrics(), 'warden_upstream_restarts_total', {
      upstream: 'remote',
    }) ?? 0

  it('fails the call that finds its session gone (not run, retry), then opens a new one', async () => {
    const client = await started.clientAs('bob')
    const first = textOf(await client.callTool({ name: 'boot', arguments: {} }))
    const counted = await restarts()
    await upstream.restart()

    const error = await rpcError(client.callTool({ name: 'boot', arguments: {} }))
    expect(error.data?.code).toBe('ERR_UPSTREAM_UNAVAILABLE')
    expect(error.message).toMatch(/restarted and lost this session; the request was not run/)
    const second = textOf(await client.callTool({ name: 'boot', arguments: {} }))
    expect(second).not.toBe(first)
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'back' } }))).toBe(
      'back',
    )
    expect(await restarts()).toBe(counted + 1)
    expect(started.logs.join('\n')).toMatch(/upstream remote no longer knows the session/)
  })

  it('fails calls while the upstream is down, and recovers once it is back', async () => {
    const client = await started.clientAs('bob')
    await client.callTool({ name: 'echo', arguments: { text: 'up' } })
    await upstream.stop()
    const down = await rpcError(client.callTool({ name: 'echo', arguments: { text: 'down' } }))
    expect(down.data?.code).toBe('ERR_UPSTREAM_UNAVAILABLE')
    await upstream.start()
    await rpcError(client.callTool({ name: 'echo', arguments: { text: 'stale session' } }))
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe(
      'again',
    )
  })
})
