import type { Effect, PolicyRequest, Principal } from '../request.js'
import type { ListKind, PrincipalDocument, TestCaseDocument } from './suite-schema.js'

/** What a decision test expects; rule and policy only when the test names them (null: no rule). */
export interface ExpectedDecision {
  effect: Effect
  rule?: string | null
  policy?: string | null
}

interface CaseBase {
  name: string
  /** Line of the test in its suite file. */
  line: number
}

/** A call, read or get_prompt test: one request, one expected decision. */
export interface DecisionCase extends CaseBase {
  kind: 'decision'
  request: PolicyRequest
  expected: ExpectedDecision
}

/** A list test: one list request per available item, and the exact subset expected visible. */
export interface ListCase extends CaseBase {
  kind: 'list'
  list: ListKind
  items: { item: string; request: PolicyRequest }[]
  expectedVisible: string[]
}

export type TestCase = DecisionCase | ListCase

/** Turns a validated test into the engine requests it asks about. */
export function toTestCase(
  doc: TestCaseDocument,
  identities: Readonly<Record<string, PrincipalDocument>>,
  line: number,
): TestCase {
  const user: Principal =
    typeof doc.identity === 'string' ? identities[doc.identity]! : doc.identity
  const meta = doc.time === undefined ? {} : { request: { time: doc.time } }
  const toolRef = (name: string) => ({
    name,
    ...(doc.args !== undefined && { args: doc.args }),
    ...(doc.namespace !== undefined && { namespace: doc.namespace }),
    ...(doc.tags !== undefined && { tags: doc.tags }),
    ...(doc.annotations !== undefined && { annotations: doc.annotations }),
  })
  const promptRef = (name: string) => ({
    name,
    ...(doc.args !== undefined && { args: doc.args }),
    ...(doc.tags !== undefined && { tags: doc.tags }),
  })
  if (doc.list !== undefined) {
    const list = doc.list
    return {
      kind: 'list',
      name: doc.name,
      line,
      list,
      items: (doc.available ?? []).map((item) => ({
        item,
        request: {
          action: 'list',
          user,
          ...(list === 'tools' && { tool: toolRef(item) }),
          ...(list === 'resources' && { resource: { uri: item } }),
          ...(list === 'prompts' && { prompt: promptRef(item) }),
          ...meta,
        },
      })),
      expectedVisible: doc.expect_visible ?? [],
    }
  }
  const request: PolicyRequest =
    doc.call !== undefined
      ? { action: 'call', user, tool: toolRef(doc.call), ...meta }
      : doc.read !== undefined
        ? { action: 'read', user, resource: { uri: doc.read }, ...meta }
        : { action: 'get', user, prompt: promptRef(doc.get_prompt!), ...meta }
  const expected: ExpectedDecision = { effect: doc.expect! }
  if (doc.expect_rule !== undefined) expected.rule = doc.expect_rule
  if (doc.expect_policy !== undefined) expected.policy = doc.expect_policy
  return { kind: 'decision', name: doc.name, line, request, expected }
}
