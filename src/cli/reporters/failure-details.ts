import type { CaseResult, DecisionOutcome, ItemOutcome } from '../../policy/suite/case-result.js'
import type { ExpectedDecision } from '../../policy/suite/test-case.js'
import { alignColumns, joinCells } from './columns.js'

/** What a failed test expected and what it got, one fact a line, for people and CI logs. */
export function failureDetails(result: CaseResult): string[] {
  if (result.kind === 'decision') {
    return [
      ...alignColumns([
        ['expected', expectedText(result.expected)],
        ['actual', decisionText(result.actual)],
        ['reason', result.actual.reason],
      ]).map(joinCells),
    ]
  }
  const facts = [
    ['expected visible', listText(result.expected)],
    ['actual visible', listText(result.actual)],
    ...(result.missing.length > 0 ? [['missing', result.missing.join(', ')]] : []),
    ...(result.unexpected.length > 0 ? [['unexpected', result.unexpected.join(', ')]] : []),
  ]
  return [
    ...alignColumns(facts).map(joinCells),
    ...alignColumns(result.items.map(itemRow)).map(joinCells),
  ]
}

export function decisionText(decision: DecisionOutcome): string {
  if (decision.rule === null) return `${decision.effect}, no rule matched`
  return `${decision.effect} by rule ${decision.rule} (policy ${decision.policy})`
}

function expectedText(expected: ExpectedDecision): string {
  const parts: string[] = [expected.effect]
  if (expected.rule !== undefined) {
    parts.push(expected.rule === null ? 'no rule' : `rule ${expected.rule}`)
  }
  if (expected.policy !== undefined) {
    parts.push(expected.policy === null ? 'no policy' : `policy ${expected.policy}`)
  }
  return parts.join(', ')
}

function listText(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ')
}

function itemRow(item: ItemOutcome): string[] {
  return [
    `  ${item.item}`,
    item.visible ? 'shown' : 'hidden',
    item.rule === null
      ? item.reason
      : `${item.effect} by rule ${item.rule} (policy ${item.policy})`,
  ]
}
