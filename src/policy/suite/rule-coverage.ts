import type { PolicySet } from '../policy-set.js'
import type { Decision, PolicyRequest } from '../request.js'

/** A rule where its author wrote it. */
export interface RuleLocation {
  policy: string
  rule: string
  file: string
  line: number
}

export interface CoverageReport {
  /** Rules in every policy any suite loaded (a rule shared by suites counts once). */
  rules: number
  exercised: number
  /** exercised / rules × 100, rounded down to one decimal (never up past a minimum); 100 with no rules. */
  percent: number
  unexercised: RuleLocation[]
}

/** Which rules decided at least one test; a rule shared by several suites is counted once. */
export class RuleCoverage {
  readonly #rules = new Map<string, RuleLocation>()
  readonly #exercised = new Set<string>()
  readonly #keys = new Map<PolicySet, string[]>()

  /** Registers every rule of a set; returns the observer that marks the rules deciding. */
  track(set: PolicySet): (request: PolicyRequest, decision: Decision) => void {
    let keys = this.#keys.get(set)
    if (!keys) {
      keys = ruleLocations(set).map((location) => {
        const key = `${location.file}:${location.line}:${location.policy}/${location.rule}`
        this.#rules.set(key, location)
        return key
      })
      this.#keys.set(set, keys)
    }
    const setKeys = keys
    return (request, decision) => {
      const order = decidingOrder(set, request, decision)
      if (order !== null) this.#exercised.add(setKeys[order]!)
    }
  }

  report(): CoverageReport {
    const unexercised = [...this.#rules]
      .filter(([key]) => !this.#exercised.has(key))
      .map(([, location]) => location)
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
    const rules = this.#rules.size
    const exercised = rules - unexercised.length
    return {
      rules,
      exercised,
      percent: rules === 0 ? 100 : Math.floor((exercised * 1000) / rules) / 10,
      unexercised,
    }
  }
}

/** The set's rules in load order (the order of `set.rules`), with their files and lines. */
function ruleLocations(set: PolicySet): RuleLocation[] {
  return set.policies.flatMap((policy) =>
    policy.rules.map((rule, i) => ({
      policy: policy.name,
      rule: rule.name,
      file: policy.source?.file ?? `<policy ${policy.name}>`,
      line: policy.source?.ruleLines[i] ?? 0,
    })),
  )
}

function decidingOrder(set: PolicySet, request: PolicyRequest, decision: Decision): number | null {
  if (decision.rule === null) return null
  const candidates = set.rules.filter(
    (r) => r.policy === decision.policy && r.name === decision.rule,
  )
  if (candidates.length === 1) return candidates[0]!.order
  // Two loaded policies share a name: only the trace can say which rule decided.
  const decisive = set.explain(request).trace.findIndex((t) => t.decisive)
  return decisive === -1 ? null : decisive
}
