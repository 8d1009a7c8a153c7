import type { Effect } from '../request.js'
import type { ListKind } from './suite-schema.js'
import type { ExpectedDecision } from './test-case.js'

/** A decision as reports show it (the approval block is left out). */
export interface DecisionOutcome {
  effect: Effect
  rule: string | null
  policy: string | null
  reason: string
}

/** One listed item: whether the list shows it, and the decision that says so. */
export interface ItemOutcome extends DecisionOutcome {
  item: string
  visible: boolean
}

interface CaseResultBase {
  name: string
  /** Line of the test in its suite file. */
  line: number
  status: 'passed' | 'failed'
  /** Why a failed test failed, in one line. */
  message?: string
}

export interface DecisionCaseResult extends CaseResultBase {
  kind: 'decision'
  expected: ExpectedDecision
  actual: DecisionOutcome
}

export interface ListCaseResult extends CaseResultBase {
  kind: 'list'
  list: ListKind
  expected: string[]
  /** The visible items, in the order of `available`. */
  actual: string[]
  missing: string[]
  unexpected: string[]
  items: ItemOutcome[]
}

export type CaseResult = DecisionCaseResult | ListCaseResult

export interface SuiteResult {
  suite: string
  file: string
  cases: CaseResult[]
}
