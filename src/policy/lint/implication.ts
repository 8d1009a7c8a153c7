import { uriScheme } from '../matchers.js'
import type { AgentMatcher, PromptMatcher, ResourceMatcher, ToolMatcher } from '../schema.js'
import { globsCover, isSubset, literalsMatch, pinned } from './glob-cover.js'

// Each function answers: does every subject `inner` accepts also pass `outer`? A missing
// matcher accepts everything. Every listed field of `outer` needs evidence from `inner`
// (fields are AND'ed, so one field of `inner` that implies it is enough). Sound, not complete.

function list(value: string | string[] | undefined): string[] | undefined {
  return typeof value === 'string' ? [value] : value
}

function globFieldImplied(outer: string[], inner: string[][]): boolean {
  return inner.some((values) => globsCover(outer, values))
}

export function agentsImply(outer?: AgentMatcher, inner?: AgentMatcher): boolean {
  if (!outer) return true
  if (!inner) return false
  const userIds = list(inner.user_id)
  const agentIds = list(inner.agent_id)
  if (outer.user_id && !(userIds && globsCover(list(outer.user_id)!, userIds))) return false
  if (outer.agent_id && !(agentIds && globsCover(list(outer.agent_id)!, agentIds))) return false
  if (outer.roles && !rolesImplied(outer.roles, inner.roles)) return false
  if (outer.patterns) {
    // patterns match user_id or agent_id, so a constraint on either one is evidence.
    const evidence = [inner.patterns, userIds, agentIds].filter((v): v is string[] => !!v)
    if (!globFieldImplied(outer.patterns, evidence)) return false
  }
  return true
}

function rolesImplied(outer: string[], inner?: string[]): boolean {
  if (!inner) return false
  // "*" holds for anyone holding a role, and every roles matcher demands one.
  if (outer.includes('*')) return true
  return !inner.includes('*') && isSubset(inner, outer)
}

export function toolsImply(outer?: ToolMatcher, inner?: ToolMatcher): boolean {
  if (!outer) return true
  if (!inner) return false
  const names = pinned(inner.names, inner.patterns)
  if (outer.names && !(names && isSubset(names, outer.names))) return false
  if (outer.patterns && !namePatternsImplied(outer.patterns, inner.names, inner.patterns)) {
    return false
  }
  if (outer.namespaces && !(inner.namespaces && isSubset(inner.namespaces, outer.namespaces))) {
    return false
  }
  if (outer.tags && !(inner.tags && isSubset(inner.tags, outer.tags))) return false
  if (outer.annotations) {
    const expected = inner.annotations
    if (!expected) return false
    for (const [key, value] of Object.entries(outer.annotations)) {
      if (!Object.hasOwn(expected, key) || expected[key] !== value) return false
    }
  }
  return true
}

export function resourcesImply(outer?: ResourceMatcher, inner?: ResourceMatcher): boolean {
  if (!outer) return true
  if (!inner) return false
  const uris = pinned(inner.uris, inner.patterns)
  if (outer.uris && !(uris && isSubset(uris, outer.uris))) return false
  if (outer.patterns && !namePatternsImplied(outer.patterns, inner.uris, inner.patterns)) {
    return false
  }
  if (outer.schemes) {
    const wanted = normalSchemes(outer.schemes)
    const bySchemes = inner.schemes && isSubset(normalSchemes(inner.schemes), wanted)
    const byUris = uris?.every((uri) => {
      const scheme = uriScheme(uri)
      return scheme !== undefined && wanted.includes(scheme)
    })
    if (!bySchemes && !byUris) return false
  }
  return true
}

export function promptsImply(outer?: PromptMatcher, inner?: PromptMatcher): boolean {
  if (!outer) return true
  if (!inner) return false
  const names = pinned(inner.names, inner.patterns)
  if (outer.names && !(names && isSubset(names, outer.names))) return false
  if (outer.patterns && !namePatternsImplied(outer.patterns, inner.names, inner.patterns)) {
    return false
  }
  if (outer.tags && !(inner.tags && isSubset(inner.tags, outer.tags))) return false
  return true
}

function namePatternsImplied(outer: string[], names?: string[], patterns?: string[]): boolean {
  if (names && literalsMatch(outer, names)) return true
  return patterns !== undefined && globsCover(outer, patterns)
}

/** As the engine compares schemes: without a trailing `:` or `://`, lower case. */
export function normalSchemes(schemes: readonly string[]): string[] {
  return schemes.map((s) => s.replace(/:(\/\/)?$/, '').toLowerCase())
}
