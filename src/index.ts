// Policy core
export { loadPolicies, parsePolicy, policyFiles } from './policy/loader.js'
export { compilePolicies } from './policy/compile.js'
export { PolicySet } from './policy/policy-set.js'
export { watchPolicies } from './policy/watch.js'
export type { PolicyWatcher, PolicyWatcherOptions } from './policy/watch.js'
export type {
  Action,
  Decision,
  Effect,
  Explanation,
  PolicyRequest,
  Principal,
  PromptRef,
  RequestMeta,
  ResourceRef,
  RuleOutcome,
  RuleTrace,
  ToolRef,
} from './policy/request.js'
export type {
  AgentMatcher,
  ApprovalSpec,
  Condition,
  LeafCondition,
  Operator,
  Policy,
  PolicyInput,
  PolicySource,
  PromptMatcher,
  ResourceMatcher,
  Rule,
  ToolMatcher,
} from './policy/schema.js'

// Policy builder
export { policy } from './policy/builder/policy-builder.js'
export type { PolicyBuilder } from './policy/builder/policy-builder.js'
export { rule } from './policy/builder/rule-builder.js'
export type { ApprovalInput, RuleAction, RuleBuilder, RuleInput } from './policy/builder/rule-builder.js'
export { all, any, field, not } from './policy/builder/condition.js'
export type { FieldConditionBuilder } from './policy/builder/condition.js'

// Errors
export { WardenError, PolicyLoadError, formatSourceIssue } from './errors.js'
export type { WardenErrorCode, SourceIssue } from './errors.js'
