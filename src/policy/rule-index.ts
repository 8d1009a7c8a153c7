import { ACTION_LIST, KINDS, outranks, type CompiledRule, type Kind } from './compiled-rule.js'
import type { Action } from './request.js'

/**
 * The rules that can apply to one (action, kind) slot, split so that a decision only looks at
 * rules for the caller's roles, the capability's exact name, and rules constrained by neither.
 * Every list is sorted best-first, so a scan stops at the first rule that cannot outrank the best.
 */
export interface Bucket {
  readonly byRole: ReadonlyMap<string, readonly CompiledRule[]>
  readonly byName: ReadonlyMap<string, readonly CompiledRule[]>
  readonly rest: readonly CompiledRule[]
}

/** index[action][kind]; only the slots an action can reach exist (call → tool, list → all three). */
export type RuleIndex = Readonly<Record<Action, Readonly<Partial<Record<Kind, Bucket>>>>>

const SLOTS: ReadonlyArray<[Action, Kind]> = ACTION_LIST.flatMap((action) =>
  KINDS.filter((kind) => action === 'list' || kindOfAction(action) === kind).map(
    (kind) => [action, kind] as [Action, Kind],
  ),
)

/** The capability kind an action other than `list` works on. */
export function kindOfAction(action: Exclude<Action, 'list'> | Action): Kind | null {
  return action === 'call'
    ? 'tool'
    : action === 'read'
      ? 'resource'
      : action === 'get'
        ? 'prompt'
        : null
}

export function buildIndex(rules: readonly CompiledRule[]): RuleIndex {
  const index: Record<Action, Partial<Record<Kind, Bucket>>> = {
    list: {},
    call: {},
    read: {},
    get: {},
  }
  for (const [action, kind] of SLOTS) {
    const byRole = new Map<string, CompiledRule[]>()
    const byName = new Map<string, CompiledRule[]>()
    const rest: CompiledRule[] = []
    for (const rule of rules) {
      if (!rule.actions.has(action) || !rule.kinds.has(kind)) continue
      const names = rule.exactNames[kind]
      if (rule.roles) for (const role of rule.roles) push(byRole, role, rule)
      else if (names) for (const name of names) push(byName, name, rule)
      else rest.push(rule)
    }
    for (const list of [...byRole.values(), ...byName.values(), rest]) list.sort(bestFirst)
    index[action][kind] = { byRole, byName, rest }
  }
  return index
}

function push(map: Map<string, CompiledRule[]>, key: string, rule: CompiledRule): void {
  const list = map.get(key)
  if (list) {
    if (list[list.length - 1] !== rule) list.push(rule)
  } else map.set(key, [rule])
}

function bestFirst(a: CompiledRule, b: CompiledRule): number {
  return outranks(a, b) ? -1 : outranks(b, a) ? 1 : 0
}
