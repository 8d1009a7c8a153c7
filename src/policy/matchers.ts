import { compileGlobList, type StringMatcher } from './glob.js'
import type { Principal, PromptRef, ResourceRef, ToolRef } from './request.js'
import type { AgentMatcher, PromptMatcher, ResourceMatcher, ToolMatcher } from './schema.js'

/** A compiled matcher: every listed field must match; within a field any value may. */
export type Match<T> = (subject: T) => boolean

function all<T>(checks: Match<T>[]): Match<T> {
  if (checks.length === 1) return checks[0]!
  return (subject) => {
    for (const check of checks) if (!check(subject)) return false
    return true
  }
}

function oneOrMany(value: string | string[]): string[] {
  return typeof value === 'string' ? [value] : value
}

function optionalString(matches: StringMatcher): Match<string | undefined> {
  return (value) => typeof value === 'string' && matches(value)
}

/** Membership in a listed set; one value compiles to a plain comparison. */
function oneOf(listed: readonly string[]): (value: unknown) => boolean {
  if (listed.length === 1) {
    const only = listed[0]
    return (value) => value === only
  }
  const set = new Set<unknown>(listed)
  return (value) => set.has(value)
}

function sharesAny(listed: readonly string[]): Match<readonly string[] | undefined> {
  const wanted = new Set(listed)
  return (values) => {
    if (!Array.isArray(values)) return false
    for (const value of values) if (wanted.has(value)) return true
    return false
  }
}

export function compileAgentMatcher(matcher: AgentMatcher): Match<Principal> {
  const checks: Match<Principal>[] = []
  if (matcher.user_id !== undefined) {
    const matches = optionalString(compileGlobList(oneOrMany(matcher.user_id)))
    checks.push((user) => matches(user.user_id))
  }
  if (matcher.agent_id !== undefined) {
    const matches = optionalString(compileGlobList(oneOrMany(matcher.agent_id)))
    checks.push((user) => matches(user.agent_id))
  }
  if (matcher.roles !== undefined) {
    // "*" (as in mcp-auth-guard) means: holds at least one role.
    const anyRole = matcher.roles.includes('*')
    const holds = sharesAny(matcher.roles)
    checks.push(anyRole ? (user) => (user.roles?.length ?? 0) > 0 : (user) => holds(user.roles))
  }
  if (matcher.patterns !== undefined) {
    const matches = optionalString(compileGlobList(matcher.patterns))
    checks.push((user) => matches(user.user_id) || matches(user.agent_id))
  }
  return all(checks.length > 0 ? checks : [() => true])
}

export function compileToolMatcher(matcher: ToolMatcher): Match<ToolRef> {
  const checks: Match<ToolRef>[] = []
  if (matcher.names !== undefined) {
    const named = oneOf(matcher.names)
    checks.push((tool) => named(tool.name))
  }
  if (matcher.patterns !== undefined) {
    const matches = compileGlobList(matcher.patterns)
    checks.push((tool) => matches(tool.name))
  }
  if (matcher.namespaces !== undefined) {
    const namespaces = new Set(matcher.namespaces)
    checks.push((tool) => tool.namespace !== undefined && namespaces.has(tool.namespace))
  }
  if (matcher.tags !== undefined) {
    const shares = sharesAny(matcher.tags)
    checks.push((tool) => shares(tool.tags))
  }
  if (matcher.annotations !== undefined) {
    const expected = Object.entries(matcher.annotations)
    checks.push((tool) => {
      const annotations = tool.annotations
      if (annotations === undefined || annotations === null) return false
      return expected.every(
        ([key, value]) => Object.hasOwn(annotations, key) && annotations[key] === value,
      )
    })
  }
  return all(checks.length > 0 ? checks : [() => true])
}

export function uriScheme(uri: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)
  return match?.[1]?.toLowerCase()
}

export function compileResourceMatcher(matcher: ResourceMatcher): Match<ResourceRef> {
  const checks: Match<ResourceRef>[] = []
  if (matcher.uris !== undefined) {
    const listed = oneOf(matcher.uris)
    checks.push((resource) => listed(resource.uri))
  }
  if (matcher.patterns !== undefined) {
    const matches = compileGlobList(matcher.patterns)
    checks.push((resource) => matches(resource.uri))
  }
  if (matcher.schemes !== undefined) {
    const schemes = new Set(matcher.schemes.map((s) => s.replace(/:(\/\/)?$/, '').toLowerCase()))
    checks.push((resource) => {
      const scheme = uriScheme(resource.uri)
      return scheme !== undefined && schemes.has(scheme)
    })
  }
  return all(checks.length > 0 ? checks : [() => true])
}

export function compilePromptMatcher(matcher: PromptMatcher): Match<PromptRef> {
  const checks: Match<PromptRef>[] = []
  if (matcher.names !== undefined) {
    const named = oneOf(matcher.names)
    checks.push((prompt) => named(prompt.name))
  }
  if (matcher.patterns !== undefined) {
    const matches = compileGlobList(matcher.patterns)
    checks.push((prompt) => matches(prompt.name))
  }
  if (matcher.tags !== undefined) {
    const shares = sharesAny(matcher.tags)
    checks.push((prompt) => shares(prompt.tags))
  }
  return all(checks.length > 0 ? checks : [() => true])
}
