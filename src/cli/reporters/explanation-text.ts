import type { Explanation, RuleTrace } from '../../policy/request.js'
import { alignColumns, joinCells } from './columns.js'
import { effectColour, type Painter } from './painter.js'

/** One listed item's explanation, as `warden explain --list` prints it. */
export interface ItemExplanation extends Explanation {
  item: string
  visible: boolean
}

/** The decision, then every rule's outcome in load order; `>` marks the rule that decided. */
export function explanationText(explanation: Explanation, paint: Painter): string {
  const facts: string[][] = [
    ['decision', explanation.effect],
    ['rule', explanation.rule ?? '-'],
    ['policy', explanation.policy ?? '-'],
    ['reason', explanation.reason],
  ]
  if (explanation.approval) facts.push(['approval', JSON.stringify(explanation.approval)])
  const lines = alignColumns(facts).map((cells, i) =>
    joinCells(i === 0 ? [cells[0]!, paint(effectColour(explanation.effect), cells[1]!)] : cells),
  )
  lines.push('', ...traceTable(explanation.trace, paint))
  return `${lines.join('\n')}\n`
}

/** Each item, whether the list shows it, and what decided that. */
export function listExplanationText(
  list: string,
  items: readonly ItemExplanation[],
  paint: Painter,
): string {
  if (items.length === 0) return `list ${list}: nothing available\n`
  const rows = [
    ['item', 'visible', 'effect', 'decided by'],
    ...items.map((i) => [
      i.item,
      i.visible ? 'yes' : 'no',
      i.effect,
      i.rule === null ? i.reason : `rule ${i.rule} (policy ${i.policy})`,
    ]),
  ]
  const lines = alignColumns(rows).map((cells, r) =>
    r === 0
      ? paint('bold', joinCells(cells))
      : joinCells([
          cells[0]!,
          cells[1]!,
          paint(effectColour(items[r - 1]!.effect), cells[2]!),
          cells[3]!,
        ]),
  )
  return `${lines.join('\n')}\n`
}

function traceTable(trace: readonly RuleTrace[], paint: Painter): string[] {
  if (trace.length === 0) return ['no rule was evaluated']
  const rows = [
    [' ', 'policy', 'rule', 'priority', 'effect', 'outcome', 'detail'],
    ...trace.map((t) => [
      t.decisive ? '>' : ' ',
      t.policy,
      t.rule,
      String(t.priority),
      t.effect,
      t.outcome,
      t.detail ?? '',
    ]),
  ]
  return alignColumns(rows).map((cells, r) => {
    const line = joinCells(cells)
    if (r === 0) return paint('bold', line)
    const entry = trace[r - 1]!
    if (entry.decisive) return paint('bold', line)
    return entry.outcome === 'matched' ? line : paint('dim', line)
  })
}
