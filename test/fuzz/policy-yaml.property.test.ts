import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlias, parseAllDocuments, stringify, visit } from 'yaml'
import { PolicyLoadError, type SourceIssue } from '../../src/errors.js'
import { compilePolicies } from '../../src/policy/compile.js'
import { loadPolicies, parsePolicy } from '../../src/policy/loader.js'
import type { PolicyRequest } from '../../src/policy/request.js'

const FILE = 'fuzz.yaml'

/** The words of the policy language, so that random documents come close to valid ones. */
const KEYS = [
  'name',
  'default_effect',
  'rules',
  'effect',
  'priority',
  'agents',
  'tools',
  'resources',
  'prompts',
  'actions',
  'conditions',
  'approval',
  'roles',
  'user_id',
  'agent_id',
  'patterns',
  'names',
  'namespaces',
  'tags',
  'annotations',
  'uris',
  'schemes',
  'field',
  'operator',
  'value',
  'flags',
  'any',
  'all',
  'not',
  'action_type',
  'risk_level',
  'amount',
  'title',
  'timeout',
  'allow_methods',
  'description',
  '__proto__',
  'constructor',
]
const WORDS = [
  'allow',
  'deny',
  'escalate',
  'call',
  'list',
  'read',
  'get',
  '*',
  'admin',
  'echo',
  'tool.args.amount',
  'user.roles',
  'tool.name',
  'request.time',
  'gt',
  'lt',
  'equals',
  'regex',
  'glob',
  'in',
  'contains',
  'exists',
  '(a+)+$',
  '[',
  '**',
  'file:///**',
  '5m',
  'purchase',
  'high',
]

const scalar = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.integer({ min: -5, max: 2000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
)
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('value'), {
      maxKeys: 5,
    }),
  ),
}))

const condition = fc.record(
  { field: fc.constantFrom(...WORDS), operator: fc.constantFrom(...WORDS), value },
  { requiredKeys: [] },
)
const ruleShaped = fc.dictionary(
  fc.constantFrom(...KEYS),
  fc.oneof(value, fc.array(condition, { maxLength: 3 })),
  { maxKeys: 7 },
)
/** A mapping shaped like a policy (name, default_effect, rules), each part right or wrong. */
const policyShaped = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 10 }), value),
    default_effect: fc.oneof(fc.constantFrom('allow', 'deny', 'escalate'), value),
    rules: fc.oneof({ weight: 4, arbitrary: fc.array(ruleShaped, { maxLength: 4 }) }, value),
    extra: value,
  },
  { requiredKeys: [] },
)

/** Mostly one of `good`, now and then one of `bad`. */
function mostly<T>(good: readonly T[], bad: readonly T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...good) }, fc.constantFrom(...bad))
}

/** A policy that is valid, or nearly: right keys, values mostly right, now and then wrong. */
const nearlyValid = fc.record({
  name: mostly(['p', 'payments'], ['', 'a b']),
  default_effect: mostly(['allow', 'deny'], ['escalate', 'maybe']),
  rules: fc.array(
    fc.record(
      {
        name: mostly(['r1', 'r2', 'r-3'], ['']),
        effect: mostly(['allow', 'deny', 'escalate'], ['permit']),
        priority: fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 1000 }) }, fc.constant(-1)),
        agents: fc.record(
          { roles: fc.array(mostly(['admin', 'user'], ['', '*']), { maxLength: 2 }) },
          { requiredKeys: [] },
        ),
        tools: fc.record(
          {
            names: fc.array(mostly(['transfer', 'echo'], ['']), { maxLength: 2 }),
            patterns: fc.array(mostly(['*', 'get_*', '**', '{a,b}'], ['[', '']), {
              maxLength: 2,
            }),
          },
          { requiredKeys: [] },
        ),
        actions: fc.array(mostly(['list', 'call', 'read', 'get', '*'], ['write']), {
          minLength: 1,
          maxLength: 3,
        }),
        conditions: fc.array(
          fc.record({
            field: mostly(
              ['tool.args.amount', 'user.roles', 'tool.name', 'tool.args.__proto__'],
              ['nope', ''],
            ),
            operator: mostly(['gt', 'equals', 'in', 'contains', 'exists', 'glob'], ['between']),
            value: fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ['name', 'effect'] },
    ),
    { minLength: 1, maxLength: 3 },
  ),
})

/** YAML text from the syntax's own pieces: indentation, flow brackets, tags, anchors, scalars. */
const yamlPieces = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\n',
        '  ',
        '- ',
        ': ',
        '{',
        '}',
        '[',
        ']',
        ',',
        '"',
        "'",
        '#',
        '---\n',
        '...\n',
        '|\n',
        '>-\n',
        '!!str ',
        '!!int ',
        '!!binary ',
        '!custom ',
        '&a ',
        '*a',
        '*b',
        '<<: ',
        '? ',
        '\t',
        '%YAML 1.2\n',
        '\\',
        '\ufeff',
        '\u0000',
      ),
      fc.constantFrom(...KEYS).map((key) => `${key}: `),
      fc.constantFrom(...WORDS),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => pieces.join(''))

/** A valid policy's text with one edit: a cut, an insertion or a changed indentation. */
const editedPolicy = fc
  .tuple(
    fc.nat(),
    fc.nat({ max: 8 }),
    fc.constantFrom(' ', '\n', '- ', ':', '{', '[', '"', '  ', '*x', '&x ', '\t'),
    fc.constantFrom('cut', 'insert'),
  )
  .map(([at, length, piece, edit]) => {
    const text = stringify({
      name: 'edited',
      default_effect: 'deny',
      rules: [
        {
          name: 'r1',
          effect: 'escalate',
          tools: { names: ['transfer'] },
          conditions: [{ field: 'tool.args.amount', operator: 'gt', value: 100 }],
          approval: { action_type: 'purchase', risk_level: 'high', timeout: '5m' },
        },
        { name: 'r2', effect: 'allow', agents: { roles: ['admin'] }, actions: ['*'] },
      ],
    })
    const i = at % (text.length + 1)
    return edit === 'cut'
      ? text.slice(0, i) + text.slice(i + length)
      : text.slice(0, i) + piece + text.slice(i)
  })

/** Whether the text holds a YAML alias (`*name`), the cases the alias tests below draw from. */
function hasAlias(text: string): boolean {
  let found = false
  for (const doc of parseAllDocuments(text)) {
    visit(doc, (_key, node) => {
      if (isAlias(node)) {
        found = true
        return visit.BREAK
      }
      return undefined
    })
  }
  return found
}

const anyText = fc.oneof(
  policyShaped.map((doc) => stringify(doc)),
  nearlyValid.map((doc) => stringify(doc)),
  yamlPieces,
  editedPolicy,
  fc.string({ unit: 'binary', maxLength: 60 }),
)
/** Any text, aliases included. */
const anyPolicyText = anyText

/** Documents whose aliases all name an anchor set before them, within the loader's limit. */
const resolvedAliases = fc
  .tuple(fc.constantFrom(...KEYS), value, fc.integer({ min: 1, max: 5 }))
  .map(([key, shared, uses]) => {
    const anchored = stringify({ shared }).replace(/^shared:/, 'shared: &shared')
    const refs = Array.from({ length: uses }, (_, i) => `${key}${i}: *shared`).join('\n')
    return `name: aliased\nrules: []\n${anchored}${refs}\n`
  })

const REQUESTS: PolicyRequest[] = [
  {
    action: 'call',
    user: { user_id: 'bob', roles: ['admin'] },
    tool: { name: 'transfer', args: { amount: 500 } },
  },
  { action: 'list', user: { roles: [] }, tool: { name: 'echo' } },
  {
    action: 'read',
    user: { user_id: 'x', roles: ['user'] },
    resource: { uri: 'file:///etc/passwd' },
  },
  { action: 'get', user: { roles: ['admin'] }, prompt: { name: 'p', args: { a: '1' } } },
]

function expectPositioned(issues: readonly SourceIssue[], text: string, file: string): void {
  expect(issues.length).toBeGreaterThan(0)
  const lines = text.split(/\r\n|\r|\n/).length
  for (const issue of issues) {
    expect(issue.file).toBe(file)
    expect(issue.line).toBeGreaterThanOrEqual(1)
    expect(issue.line).toBeLessThanOrEqual(lines + 1)
    expect(issue.column).toBeGreaterThanOrEqual(1)
    expect(issue.message).toEqual(expect.any(String))
  }
}

/** The loader's contract: a policy that compiles and decides, or issues at file:line:column. */
function expectPolicyOrIssues(text: string): void {
  const result = parsePolicy(text, FILE)
  if (Array.isArray(result)) return expectPositioned(result, text, FILE)
  const set = compilePolicies([result])
  for (const request of REQUESTS) {
    expect(['allow', 'deny', 'escalate']).toContain(set.decide(request).effect)
    set.explain(request)
  }
}

describe('fuzz: random YAML documents through the policy loader', () => {
  it('gives a PolicySet or positioned issues, never a crash', () => {
    fc.assert(
      fc.property(anyPolicyText, (text) => expectPolicyOrIssues(text)),
      { numRuns: 1500 },
    )
  })

  it('gives a PolicySet or positioned issues for documents whose aliases resolve', () => {
    fc.assert(
      fc.property(resolvedAliases, (text) => expectPolicyOrIssues(text)),
      { numRuns: 200 },
    )
  })

  // yaml's toJS throws a ReferenceError for an alias with no anchor before it; the loader
  // reports it at the alias instead of crashing.
  it('reports an alias without an anchor as a positioned issue', () => {
    const unresolved = fc
      .tuple(
        fc.constantFrom('name', 'rules', 'default_effect', 'x'),
        fc.constantFrom('a', '!', 'x1'),
      )
      .map(([key, anchor]) => `name: p\nrules: []\n${key === 'name' ? '' : `${key}: `}*${anchor}\n`)
    fc.assert(
      fc.property(fc.oneof(unresolved, anyText.filter(hasAlias)), (text) =>
        expectPolicyOrIssues(text),
      ),
      { numRuns: 100 },
    )
  })

  // Likewise past maxAliasCount (an alias bomb).
  it('reports a document that expands too many aliases as a positioned issue', () => {
    const aliasBomb = fc
      .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 4, max: 10 }))
      .map(([levels, fan]) => {
        const lines = [`l0: &l0 [${Array(fan).fill('x').join(', ')}]`]
        for (let level = 1; level <= levels; level++) {
          lines.push(
            `l${level}: &l${level} [${Array(fan)
              .fill(`*l${level - 1}`)
              .join(', ')}]`,
          )
        }
        return `name: bomb\nrules: []\n${lines.join('\n')}\n`
      })
    fc.assert(
      fc.property(aliasBomb, (text) => expectPolicyOrIssues(text)),
      { numRuns: 20 },
    )
  })

  describe('from files (loadPolicies)', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'warden-fuzz-yaml-'))
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('resolves to policies or throws PolicyLoadError with positioned issues', async () => {
      let n = 0
      await fc.assert(
        fc.asyncProperty(anyPolicyText, async (text) => {
          const file = join(dir, `p${++n}.yaml`)
          await writeFile(file, text)
          try {
            compilePolicies(await loadPolicies(file))
          } catch (error) {
            expect(error).toBeInstanceOf(PolicyLoadError)
            const issues = (error as PolicyLoadError).issues
            expectPositioned(issues, text, issues[0]!.file!)
          }
        }),
        { numRuns: 100 },
      )
    })
  })
})
