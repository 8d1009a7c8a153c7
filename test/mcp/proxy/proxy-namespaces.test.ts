import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rejection, textOf } from '../harness.js'
import { FIXTURE, httpClient, startTestProxy, type StartedProxy } from './proxy-harness.js'

/** Everyone may use upstream `a`; only its read-only tools of `b`. */
const POLICY = `
name: namespaces
default_effect: deny
rules:
  - { name: all-of-a, effect: allow, tools: { namespaces: [a] } }
  - name: read-only-b
    effect: allow
    tools: { namespaces: [b], annotations: { readOnlyHint: true } }
  - { name: resources, effect: allow, resources: { schemes: [notes] } }
`

describe('warden proxy with two upstreams', () => {
  let started: StartedProxy
  beforeAll(async () => {
    started = await startTestProxy(
      {
        upstreams: {
          a: { command: process.execPath, args: [FIXTURE], env: { FIXTURE_NAME: 'a' } },
          b: { command: process.execPath, args: [FIXTURE], env: { FIXTURE_NAME: 'b' } },
        },
      },
      POLICY,
    )
  })
  afterAll(() => started.proxy.close())

  it('namespaces tools upstream.tool and lets policies match tool.namespace', async () => {
    const client = await httpClient(started.proxy.url!, { 'x-api-key': started.key('bob') })
    const names = (await client.listTools()).tools.map((t) => t.name)
    expect(names).toEqual([
      'a.echo',
      'a.pid',
      'a.read_notes',
      'a.delete_notes',
      'a.crash',
      'b.read_notes',
    ])
    expect(textOf(await client.callTool({ name: 'a.echo', arguments: { text: 'x' } }))).toBe('x')
    expect(textOf(await client.callTool({ name: 'b.read_notes', arguments: {} }))).toBe('notes')
    expect((await client.callTool({ name: 'b.delete_notes', arguments: {} })).isError).toBe(true)
    await client.close()
  })

  it('routes a resource read to the upstream that listed it', async () => {
    const client = await httpClient(started.proxy.url!, { 'x-api-key': started.key('bob') })
    const listed = (await client.listResources()).resources.map((r) => r.uri)
    expect(listed).toEqual(['notes://today', 'notes://today'])
    const read = await client.readResource({ uri: 'notes://today' })
    expect(read.contents[0]).toMatchObject({ text: 'today' })
    await client.close()
  })

  it('refuses a name with no upstream prefix', async () => {
    const client = await httpClient(started.proxy.url!, { 'x-api-key': started.key('ada') })
    const denied = await client.callTool({ name: 'echo', arguments: { text: 'x' } })
    expect(denied.isError).toBe(true)
    const error = await rejection(client.getPrompt({ name: 'c.summary' }))
    expect(error.code).toBe(-32003)
    await client.close()
  })
})
