import { kindKey } from '../compiled-rule.js'
import { uriScheme } from '../matchers.js'
import type { AgentMatcher, Rule } from '../schema.js'
import { findContradiction } from './contradictions.js'
import { isDisjoint, literalsMissGlobs, pinned } from './glob-cover.js'
import { normalSchemes } from './implication.js'
import type { Slot } from './static-truth.js'

// True only when no request of the slot can match both rules. Roles and tags never separate
// two rules (an identity may hold both roles, a tool carry both tags); exact values do.

export function provablyDisjoint(a: Rule, b: Rule, slot: Slot): boolean {
  return (
    agentsDisjoint(a.agents, b.agents) ||
    capabilityDisjoint(a, b, slot) ||
    findContradiction([...(a.conditions ?? []), ...(b.conditions ?? [])]) !== null
  )
}

function list(value: string | string[] | undefined): string[] | undefined {
  return typeof value === 'string' ? [value] : value
}

function globValuesDisjoint(a?: string[], b?: string[]): boolean {
  if (!a || !b) return false
  return literalsMissGlobs(a, b) || literalsMissGlobs(b, a)
}

function agentsDisjoint(a?: AgentMatcher, b?: AgentMatcher): boolean {
  if (!a || !b) return false
  return (
    globValuesDisjoint(list(a.user_id), list(b.user_id)) ||
    globValuesDisjoint(list(a.agent_id), list(b.agent_id))
  )
}

/** Names pinned to literal values on one side that the other side's names or patterns never accept. */
function namesDisjoint(
  a: { exact?: string[]; patterns?: string[] },
  b: { exact?: string[]; patterns?: string[] },
): boolean {
  const aPinned = pinned(a.exact, a.patterns)
  const bPinned = pinned(b.exact, b.patterns)
  if (aPinned && bPinned && isDisjoint(aPinned, bPinned)) return true
  if (aPinned && b.patterns && literalsMissGlobs(aPinned, b.patterns)) return true
  return bPinned !== undefined && a.patterns !== undefined && literalsMissGlobs(bPinned, a.patterns)
}

function capabilityDisjoint(a: Rule, b: Rule, slot: Slot): boolean {
  const key = kindKey(slot.kind)
  if (key === 'tools') {
    const [x, y] = [a.tools, b.tools]
    if (!x || !y) return false
    if (
      namesDisjoint(
        { exact: x.names, patterns: x.patterns },
        { exact: y.names, patterns: y.patterns },
      )
    )
      return true
    if (x.namespaces && y.namespaces && isDisjoint(x.namespaces, y.namespaces)) return true
    if (!x.annotations || !y.annotations) return false
    const other = y.annotations
    return Object.entries(x.annotations).some(
      ([name, value]) => Object.hasOwn(other, name) && other[name] !== value,
    )
  }
  if (key === 'resources') {
    const [x, y] = [a.resources, b.resources]
    if (!x || !y) return false
    if (
      namesDisjoint(
        { exact: x.uris, patterns: x.patterns },
        { exact: y.uris, patterns: y.patterns },
      )
    )
      return true
    if (x.schemes && y.schemes && isDisjoint(normalSchemes(x.schemes), normalSchemes(y.schemes)))
      return true
    return (
      schemesMissed(pinned(x.uris, x.patterns), y.schemes) ||
      schemesMissed(pinned(y.uris, y.patterns), x.schemes)
    )
  }
  const [x, y] = [a.prompts, b.prompts]
  if (!x || !y) return false
  return namesDisjoint(
    { exact: x.names, patterns: x.patterns },
    { exact: y.names, patterns: y.patterns },
  )
}

/** Exact URIs none of whose schemes the other rule's `schemes` lists. */
function schemesMissed(uris?: readonly string[], schemes?: string[]): boolean {
  if (!uris || !schemes) return false
  const wanted = normalSchemes(schemes)
  return uris.every((uri) => {
    const scheme = uriScheme(uri)
    return scheme === undefined || !wanted.includes(scheme)
  })
}
