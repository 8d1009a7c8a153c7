import fc from 'fast-check'

/** Methods a client may name: the bridge's own, its neighbours, look-alikes and prototype keys. */
const METHODS = [
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'tasks/list',
  'tasks/get',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'notifications/message',
  'Tools/Call',
  'tools/call ',
  'tools/call\u0000',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '',
] as const

/** Names close to the one allowed tool (`echo`) and the denied ones. */
const TOOL_NAMES = [
  'echo',
  'secret',
  'wipe',
  'Echo',
  'echo ',
  ' echo',
  'echo\u0000',
  'secret\u0000',
  'fs.echo',
  '*',
  '__proto__',
  'constructor',
  '',
] as const

const URIS = ['notes://secret', 'notes://secret#x', 'NOTES://secret', 'notes:/secret', '*', '']

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 1e308, '', '__proto__', [], {}),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'name', 'uri'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
)

const id: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constantFrom(null, 0, -0, 1.5, true, '', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }),
)

const callParams = fc.record(
  {
    name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TOOL_NAMES) }, junk),
    arguments: fc.oneof(
      { weight: 4, arbitrary: fc.record({ text: fc.string({ maxLength: 20 }) }) },
      fc.record({ text: junk }, { requiredKeys: [] }),
      junk,
    ),
    _meta: fc.oneof(fc.record({ progressToken: id }), junk),
  },
  { requiredKeys: ['name', 'arguments'] },
)

const readParams = fc.record({
  uri: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...URIS) }, junk),
})

const promptParams = fc.record({
  name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('leak', 'echo', 'Leak') }, junk),
  arguments: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })),
    junk,
  ),
})

const completeParams = fc.record({
  ref: fc.oneof(
    fc.record({ type: fc.constant('ref/prompt'), name: fc.constantFrom('leak', 'echo') }),
    fc.record({ type: fc.constant('ref/resource'), uri: fc.constantFrom(...URIS) }),
    junk,
  ),
  argument: fc.record({ name: fc.string({ maxLength: 5 }), value: fc.string({ maxLength: 5 }) }),
})

/** A method with the params it takes (mostly well formed), or any method with any params. */
const methodAndParams = fc.oneof(
  { weight: 4, arbitrary: fc.record({ method: fc.constant('tools/call'), params: callParams }) },
  fc.record({
    method: fc.constantFrom('resources/read', 'resources/subscribe'),
    params: readParams,
  }),
  fc.record({ method: fc.constant('prompts/get'), params: promptParams }),
  fc.record({ method: fc.constant('completion/complete'), params: completeParams }),
  { weight: 2, arbitrary: fc.record({ method: fc.constantFrom(...METHODS), params: junk }) },
  fc.record({ method: junk, params: junk }),
)

/** A change that makes a message wrong in one place. */
const mutation = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  fc.record({
    key: fc.constantFrom('jsonrpc', 'id', 'method', 'params', 'result', 'error', '__proto__'),
    value: fc.option(junk, { nil: undefined }),
  }),
)

/** A JSON value shaped like a JSON-RPC message: mostly a plausible request, right or wrong. */
export const jsonRpcMessage: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(methodAndParams, id, mutation)
  .map(([{ method, params }, requestId, change]) => {
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: requestId, method, params }
    if (change === undefined) return message
    if (change.value === undefined) delete message[change.key]
    else Object.defineProperty(message, change.key, { value: change.value, enumerable: true })
    return message
  })

/** One line of input: a message, a batch, a scalar, or text that is not JSON at all. */
export const inputLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: jsonRpcMessage.map((m) => JSON.stringify(m)) },
  fc.array(jsonRpcMessage, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
  jsonRpcMessage.map((m) => JSON.stringify(m).slice(0, -1)),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '{',
    '[',
    '"',
    '{"jsonrpc":"2.0"',
    'null',
    '{}',
    '[]',
    '\r',
    '\u2028',
    '\ufeff{}',
  ),
)

/**
 * Methods that may reach the upstream whatever the policy says: the session set-up, the listings
 * (filtered on the way back), the two relayed without a decision (`logging/setLevel`,
 * `resources/unsubscribe`) and the client notifications the bridge relays.
 */
const ALWAYS_RELAYED = new Set([
  'initialize',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/roots/list_changed',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
  'logging/setLevel',
  'resources/unsubscribe',
])

/**
 * Messages an upstream received that the fuzz policy (call `echo`, nothing else) did not allow.
 * Responses (to the upstream's own requests) are not requests and do not count.
 */
export function unallowedAtUpstream(received: readonly Record<string, unknown>[]): unknown[] {
  return received.filter((message) => {
    if (typeof message.method !== 'string') return false
    if (ALWAYS_RELAYED.has(message.method)) return false
    const name = (message.params as { name?: unknown } | undefined)?.name
    return !(message.method === 'tools/call' && name === 'echo')
  })
}

/** The fuzz policy: the fuzzing identity may list and call `echo`; every other request is denied. */
export const FUZZ_POLICY = `
name: fuzz
default_effect: deny
rules:
  - name: echo-only
    effect: allow
    agents: { roles: [fuzzer] }
    tools: { names: [echo] }
    actions: [list, call]
`
