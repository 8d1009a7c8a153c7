import type { ApprovalSpec } from './schema.js'

/** What the caller wants to do: list capabilities, call a tool, read a resource, get a prompt. */
export type Action = 'list' | 'call' | 'read' | 'get'

export type Effect = 'allow' | 'deny' | 'escalate'

/** The identity a policy sees. `AuthContext` from `identity/` satisfies it. */
export interface Principal {
  user_id?: string
  roles?: readonly string[]
  agent_id?: string
  claims?: Readonly<Record<string, unknown>>
  scopes?: readonly string[]
  authenticated?: boolean
  method?: string
}

export interface ToolRef {
  name: string
  /** Arguments of a call; ignored for `list` (argument conditions are false there). */
  args?: Readonly<Record<string, unknown>>
  /** Set by the proxy for namespaced upstreams (`fs` for `fs.read_file`). */
  namespace?: string
  tags?: readonly string[]
  /** As the server's own tools/list states them (readOnlyHint, destructiveHint, …). */
  annotations?: Readonly<Record<string, unknown>>
}

export interface ResourceRef {
  uri: string
  name?: string
}

export interface PromptRef {
  name: string
  args?: Readonly<Record<string, unknown>>
  tags?: readonly string[]
}

/** Extra request facts conditions may read as `request.*`. */
export interface RequestMeta {
  method?: string
  /** ISO-8601 time; the engine fills in the current time when absent. */
  time?: string
  [key: string]: unknown
}

/**
 * One authorization question. Exactly one of `tool`, `resource`, `prompt` names the
 * capability; `call` needs a tool, `read` a resource, `get` a prompt, `list` any one.
 */
export interface PolicyRequest {
  action: Action
  user: Principal
  tool?: ToolRef
  resource?: ResourceRef
  prompt?: PromptRef
  request?: RequestMeta
}

export interface Decision {
  effect: Effect
  /** The deciding rule, or null when no rule matched (the default effect decided). */
  rule: string | null
  policy: string | null
  reason: string
  /** The deciding rule's approval block, when the effect is `escalate`. */
  approval?: ApprovalSpec
}

export type RuleOutcome =
  | 'matched'
  | 'action_mismatch'
  | 'kind_mismatch'
  | 'agent_mismatch'
  | 'capability_mismatch'
  | 'condition_false'

export interface RuleTrace {
  policy: string
  rule: string
  priority: number
  effect: Effect
  outcome: RuleOutcome
  /** For a condition_false outcome: the first condition that was false, as written. */
  detail?: string
  /** True for the rule that decided. */
  decisive: boolean
}

export interface Explanation extends Decision {
  trace: RuleTrace[]
}
