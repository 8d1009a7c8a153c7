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
export type {
  ApprovalInput,
  RuleAction,
  RuleBuilder,
  RuleInput,
} from './policy/builder/rule-builder.js'
export { all, any, field, not } from './policy/builder/condition.js'
export type { FieldConditionBuilder } from './policy/builder/condition.js'

// Policy lint
export { lintPolicies } from './policy/lint/index.js'
export type { LintCode, LintFinding, RelatedRule } from './policy/lint/index.js'

// Audit
export { openAuditLog } from './audit/open-audit-log.js'
export { memoryAuditLog } from './audit/memory-audit-log.js'
export type { MemoryAuditLog } from './audit/memory-audit-log.js'
export type { AuditLog, AuditLogOptions } from './audit/audit-log.js'
export { verifyAuditLog, verifyAuditText } from './audit/verify-audit-log.js'
export type { AuditProblem, AuditVerification } from './audit/chain-verifier.js'
export { canonicalDigest, canonicalJson } from './audit/canonical-digest.js'
export { GENESIS_HASH } from './audit/audit-record.js'
export type {
  AuditDetail,
  AuditEntry,
  AuditEvent,
  AuditIdentity,
  AuditRecord,
  AuditTarget,
} from './audit/audit-record.js'

// Middleware
export { guard } from './mcp/guard.js'
export type { GuardableServer, GuardedServer, GuardOptions } from './mcp/guard.js'
export { createBridge } from './mcp/bridge.js'
export type { Bridge, BridgeOptions, BridgeSession, PrincipalSource } from './mcp/bridge.js'
export { DECISION_META_KEY, PRINCIPAL_META_KEY } from './mcp/warden-meta.js'
export { createGate } from './gate/gate.js'
export type { AuditSink, Gate, GateMeta, GateOptions, ListTarget, Verdict } from './gate/gate.js'
export type { PoliciesOption } from './gate/policy-source.js'

// Proxy
export { startProxy } from './mcp/proxy/start-proxy.js'
export type { RunningProxy, StartProxyOptions } from './mcp/proxy/start-proxy.js'
export { loadProxyConfig } from './mcp/proxy/load-proxy-config.js'
export type {
  LoadProxyConfigOptions,
  ProxyConfig,
  UpstreamSpec,
} from './mcp/proxy/load-proxy-config.js'
export { ConfigLoadError } from './mcp/proxy/config-load-error.js'

// Identity
export * from './identity/index.js'

// Approval service
export { startApprovalServer } from './approval/http/start-approval-server.js'
export type {
  ApprovalServerOptions,
  RunningApprovalServer,
} from './approval/http/start-approval-server.js'
export { createApprovalApp } from './approval/http/create-approval-app.js'
export { createApprovalService } from './approval/service/approval-service.js'
export type {
  ApprovalService,
  ApprovalServiceOptions,
} from './approval/service/approval-service.js'
export type { RequestCreator, PolicyFacts } from './approval/service/request-input.js'
export type { ApproverProof, DecisionInput } from './approval/service/resolve-request.js'
export type {
  ApprovalRequest,
  ApprovalStatus,
  ApprovalEvidence,
  ActionType,
  RiskLevel,
  ResolutionMethod,
} from './approval/approval-request.js'
export { DEFAULT_RISK } from './approval/approval-request.js'
export { toApprovalView } from './approval/approval-view.js'
export type { ApprovalView } from './approval/approval-view.js'
export { fingerprint } from './approval/fingerprint.js'
export { loadApprovalRules } from './approval/rules/load-approval-rules.js'
export { parseApprovalRules } from './approval/rules/parse-approval-rules.js'
export type { ApprovalRules } from './approval/rules/approval-rules.js'
export { signWebhook, verifyWebhookSignature } from './approval/webhooks/webhook-signature.js'
export { createSecretBox, loadSecretKey } from './approval/secret-box.js'
export type { SecretBox } from './approval/secret-box.js'
export { reverifyPasskeyEvidence } from './approval/passkey/reverify-passkey-evidence.js'

// Escalation: approval backends and the bridge's approval step
export type {
  ApprovalBackend,
  BackendApproval,
  EscalationRequest,
} from './approval/backend/approval-backend.js'
export { createBuiltinApprovalBackend } from './approval/backend/builtin-approval-backend.js'
export { createHttpApprovalBackend } from './approval/backend/http-approval-backend.js'
export {
  approvalBackendFromConfig,
  approvalsConfigSchema,
} from './approval/backend/approval-backend-from-config.js'
export { escalationRequestFor } from './approval/backend/escalation-request.js'
export { renderTitle } from './approval/backend/render-template.js'
export { createEscalator } from './gate/escalation.js'
export type { Escalator, EscalationOptions, EscalationOutcome } from './gate/escalation.js'
export type { GuardApprovals } from './mcp/guard.js'

// Vault
export { createVault, credentialAad } from './vault/vault.js'
export type { Vault, VaultOptions, VaultService } from './vault/vault.js'
export { openVault, openConfiguredVault } from './vault/open-vault.js'
export type { OpenVaultOptions } from './vault/open-vault.js'
export { attachVault } from './vault/attached-vault.js'
export { resolveVaultHeaders, hasVaultHeaders } from './vault/resolve-vault-headers.js'
export { rotateVaultKey } from './vault/rotate-vault-key.js'
export type { VaultKeyRotation } from './vault/rotate-vault-key.js'
export { loadVaultKey, VAULT_KEY_ENV, DEFAULT_VAULT_KEY_FILE } from './vault/vault-key.js'
export { isPublicAddress } from './vault/address-policy.js'
export type { CredentialInput } from './vault/credential-input.js'
export type { VaultCall } from './vault/vault-call.js'
export type { VaultResponse } from './vault/vault-executor.js'
export type { VaultCredential } from './store/store.js'

// Operations
export { createWardenMetrics } from './observability/warden-metrics.js'
export type { WardenMetrics } from './observability/warden-metrics.js'
export { startAdminListener } from './observability/admin-listener.js'
export { createLogger } from './observability/logger.js'

// Store
export { openStore } from './store/open-store.js'
export type { Store } from './store/store.js'

// Errors
export { WardenError, PolicyLoadError, formatSourceIssue } from './errors.js'
export type { WardenErrorCode, SourceIssue } from './errors.js'
export { PolicyDeniedError, toMcpError } from './errors.js'
export type { McpWireError } from './errors.js'
