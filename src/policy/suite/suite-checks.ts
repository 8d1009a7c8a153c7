/** A problem in a test suite, at a YAML path; load-suite.ts gives it its file:line:column. */
export interface SuiteProblem {
  path: (string | number)[]
  message: string
  /** Point at the key rather than its value (for keys that must not be there). */
  atKey?: boolean
}

const KIND_KEYS = ['call', 'list', 'read', 'get_prompt'] as const
const DECISION_KEYS = ['expect', 'expect_rule', 'expect_policy'] as const
const LIST_KEYS = ['available', 'expect_visible'] as const

/**
 * What the schema cannot say: which keys go together in a test, identity names that exist,
 * unique test names. Reads the raw YAML value defensively, so it runs even when the schema
 * failed and every problem of the file is reported at once.
 */
export function suiteProblems(raw: unknown): SuiteProblem[] {
  if (!isRecord(raw) || !Array.isArray(raw.tests)) return []
  const identities = isRecord(raw.identities) ? raw.identities : {}
  const problems: SuiteProblem[] = []
  const seen = new Map<string, number>()
  raw.tests.forEach((test, i) => {
    if (!isRecord(test)) return
    const at = (key: string): (string | number)[] => ['tests', i, key]
    if (typeof test.identity === 'string' && !Object.hasOwn(identities, test.identity)) {
      problems.push({
        path: at('identity'),
        message: `unknown identity "${test.identity}"; define it under identities or write it inline`,
      })
    }
    if (typeof test.name === 'string') {
      const first = seen.get(test.name)
      if (first === undefined) seen.set(test.name, i)
      else problems.push({ path: at('name'), message: `duplicate test name (tests[${first}])` })
    }
    problems.push(...keyProblems(test, at, i))
  })
  return problems
}

function keyProblems(
  test: Record<string, unknown>,
  at: (key: string) => (string | number)[],
  i: number,
): SuiteProblem[] {
  const has = (key: string): boolean => Object.hasOwn(test, key) && test[key] !== undefined
  const misplaced = (key: string, message: string): SuiteProblem => ({
    path: at(key),
    message,
    atKey: true,
  })
  const kinds = KIND_KEYS.filter(has)
  if (kinds.length === 0) {
    return [{ path: ['tests', i], message: 'a test needs one of call, list, read or get_prompt' }]
  }
  if (kinds.length > 1) {
    return kinds
      .slice(1)
      .map((key) => misplaced(key, `a test has only one of call, list, read or get_prompt`))
  }
  const kind = kinds[0]!
  const problems: SuiteProblem[] = []
  const toolish = kind === 'call' || (kind === 'list' && test.list === 'tools')
  const promptish = kind === 'get_prompt' || (kind === 'list' && test.list === 'prompts')
  if (kind === 'list') {
    for (const key of DECISION_KEYS.filter(has)) {
      problems.push(misplaced(key, `${key} does not apply to a list test; use expect_visible`))
    }
    for (const key of LIST_KEYS.filter((k) => !has(k))) {
      problems.push({ path: ['tests', i], message: `a list test needs ${key}` })
    }
    const available = test.available
    if (Array.isArray(available) && Array.isArray(test.expect_visible)) {
      test.expect_visible.forEach((item, k) => {
        if (!available.includes(item)) {
          problems.push({
            path: ['tests', i, 'expect_visible', k],
            message: `${JSON.stringify(item)} is not in available`,
          })
        }
      })
    }
  } else {
    if (!has('expect')) {
      problems.push({
        path: ['tests', i],
        message: 'a test needs expect (allow, deny or escalate)',
      })
    }
    for (const key of LIST_KEYS.filter(has)) {
      problems.push(misplaced(key, `${key} only applies to a list test`))
    }
  }
  if (has('args') && kind !== 'call' && kind !== 'get_prompt') {
    problems.push(misplaced('args', 'args only apply to call and get_prompt tests'))
  }
  for (const key of ['namespace', 'annotations'].filter(has)) {
    if (!toolish) problems.push(misplaced(key, `${key} only applies to tools (call, list: tools)`))
  }
  if (has('tags') && !toolish && !promptish) {
    problems.push(misplaced('tags', 'tags only apply to tools and prompts'))
  }
  return problems
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
