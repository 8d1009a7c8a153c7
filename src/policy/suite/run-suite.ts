import type { PolicySet } from '../policy-set.js'
import type { Decision, PolicyRequest } from '../request.js'
import type {
  CaseResult,
  DecisionCaseResult,
  DecisionOutcome,
  ListCaseResult,
  SuiteResult,
} from './case-result.js'
import type { LoadedSuite } from './load-suite.js'
import type { DecisionCase, ListCase } from './test-case.js'

/** Sees every request a suite makes and the decision it got (coverage listens here). */
export type DecisionObserver = (request: PolicyRequest, decision: Decision) => void

/** Runs every test of a suite against its compiled policies. Never throws. */
export function runSuite(
  suite: LoadedSuite,
  set: PolicySet,
  observe: DecisionObserver = () => {},
): SuiteResult {
  const decide = (request: PolicyRequest): Decision => {
    const decision = set.decide(request)
    observe(request, decision)
    return decision
  }
  return {
    suite: suite.name,
    file: suite.file,
    cases: suite.cases.map((test): CaseResult =>
      test.kind === 'list' ? runListCase(test, decide) : runDecisionCase(test, decide),
    ),
  }
}

function runDecisionCase(
  test: DecisionCase,
  decide: (request: PolicyRequest) => Decision,
): DecisionCaseResult {
  const actual = outcome(decide(test.request))
  const { expected } = test
  const problems: string[] = []
  if (actual.effect !== expected.effect) {
    problems.push(`expected ${expected.effect}, got ${actual.effect}`)
  }
  if (expected.rule !== undefined && actual.rule !== expected.rule) {
    problems.push(`expected rule ${named(expected.rule)}, got ${named(actual.rule)}`)
  }
  if (expected.policy !== undefined && actual.policy !== expected.policy) {
    problems.push(`expected policy ${named(expected.policy)}, got ${named(actual.policy)}`)
  }
  return {
    kind: 'decision',
    name: test.name,
    line: test.line,
    status: problems.length === 0 ? 'passed' : 'failed',
    ...(problems.length > 0 && { message: problems.join('; ') }),
    expected,
    actual,
  }
}

function runListCase(test: ListCase, decide: (request: PolicyRequest) => Decision): ListCaseResult {
  const items = test.items.map(({ item, request }) => {
    const decision = outcome(decide(request))
    // Fail closed: only an allow shows an item; escalate and deny both hide it.
    return { item, visible: decision.effect === 'allow', ...decision }
  })
  const actual = items.filter((i) => i.visible).map((i) => i.item)
  const missing = test.expectedVisible.filter((item) => !actual.includes(item))
  const unexpected = actual.filter((item) => !test.expectedVisible.includes(item))
  const problems = [
    ...(missing.length > 0 ? [`missing from the list: ${missing.join(', ')}`] : []),
    ...(unexpected.length > 0 ? [`unexpected in the list: ${unexpected.join(', ')}`] : []),
  ]
  return {
    kind: 'list',
    name: test.name,
    line: test.line,
    status: problems.length === 0 ? 'passed' : 'failed',
    ...(problems.length > 0 && { message: problems.join('; ') }),
    list: test.list,
    expected: test.expectedVisible,
    actual,
    missing,
    unexpected,
    items,
  }
}

function outcome(decision: Decision): DecisionOutcome {
  const { effect, rule, policy, reason } = decision
  return { effect, rule, policy, reason }
}

function named(value: string | null): string {
  return value === null ? 'none' : JSON.stringify(value)
}
