/** One numbered schema step. Steps run in order, each once, inside a transaction. */
export interface Migration {
  version: number
  name: string
  sql: string
}

export type Dialect = 'sqlite' | 'postgres'

/** The table that records which versions ran; the same in both dialects. */
export const MIGRATIONS_TABLE_SQL =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)'

// One schema text for both dialects; only these column types differ.
const TYPES: Record<Dialect, Record<string, string>> = {
  sqlite: {
    MS: 'INTEGER',
    REAL: 'REAL',
    BOOL: 'INTEGER',
    SERIAL: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  },
  postgres: {
    MS: 'BIGINT',
    REAL: 'DOUBLE PRECISION',
    BOOL: 'BOOLEAN',
    SERIAL: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  },
}

const STEPS: readonly Migration[] = [
  {
    version: 1,
    name: 'approval service',
    sql: `
CREATE TABLE approval_requests (
  id TEXT PRIMARY KEY,
  created_by TEXT NOT NULL,
  action_type TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  risk_level TEXT NOT NULL,
  amount {REAL},
  currency TEXT,
  recipient TEXT,
  parameters TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  rule TEXT,
  policy_version TEXT,
  callback_url TEXT,
  created_at {MS} NOT NULL,
  expires_at {MS} NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'executed')),
  resolved_at {MS},
  resolved_by TEXT,
  method TEXT,
  evidence TEXT,
  deny_reason TEXT,
  executed_at {MS},
  execution_result TEXT
);
CREATE INDEX approval_requests_due ON approval_requests (expires_at) WHERE status = 'pending';
CREATE INDEX approval_requests_created ON approval_requests (created_at, id);
CREATE INDEX approval_requests_creator ON approval_requests (created_by, created_at);

CREATE TABLE approval_events (
  id {SERIAL},
  request_id TEXT NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  at {MS} NOT NULL,
  actor TEXT,
  method TEXT,
  detail TEXT
);
CREATE INDEX approval_events_request ON approval_events (request_id, id);

CREATE TABLE spending_limits (
  id TEXT PRIMARY KEY,
  agent TEXT,
  action_type TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
  limit_amount {REAL} NOT NULL,
  currency TEXT,
  created_at {MS} NOT NULL
);

CREATE TABLE spending_ledger (
  request_id TEXT PRIMARY KEY REFERENCES approval_requests (id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  action_type TEXT NOT NULL,
  amount {REAL} NOT NULL,
  at {MS} NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'booked', 'released'))
);
CREATE INDEX spending_ledger_window ON spending_ledger (action_type, at);

CREATE TABLE approvers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'approver')),
  created_at {MS} NOT NULL,
  totp_secret TEXT,
  totp_enabled {BOOL},
  totp_last_step {MS}
);

CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,
  approver_id TEXT NOT NULL REFERENCES approvers (id) ON DELETE CASCADE,
  public_key TEXT NOT NULL,
  counter {MS} NOT NULL,
  transports TEXT,
  user_verified {BOOL} NOT NULL,
  created_at {MS} NOT NULL,
  label TEXT
);
CREATE INDEX passkeys_approver ON passkeys (approver_id);

CREATE TABLE one_time_tokens (
  hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  approver_id TEXT,
  request_id TEXT,
  content_hash TEXT,
  data TEXT,
  expires_at {MS} NOT NULL,
  created_at {MS} NOT NULL,
  used_at {MS}
);
CREATE INDEX one_time_tokens_expiry ON one_time_tokens (expires_at);

CREATE TABLE attempt_counters (
  key TEXT NOT NULL,
  window_start {MS} NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);

CREATE TABLE api_keys (
  hash TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  name TEXT,
  user_id TEXT NOT NULL,
  agent_id TEXT,
  roles TEXT NOT NULL,
  created_at {MS} NOT NULL,
  expires_at {MS},
  revoked_at {MS}
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  encrypted_secret TEXT NOT NULL,
  events TEXT NOT NULL,
  created_at {MS} NOT NULL
);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT,
  request_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at {MS} NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at {MS} NOT NULL,
  delivered_at {MS}
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_request ON webhook_deliveries (request_id, created_at);

CREATE TABLE push_subscriptions (
  endpoint TEXT PRIMARY KEY,
  approver_id TEXT NOT NULL REFERENCES approvers (id) ON DELETE CASCADE,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  created_at {MS} NOT NULL
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'vault credentials',
    sql: `
CREATE TABLE vault_credentials (
  name TEXT PRIMARY KEY,
  auth_type TEXT NOT NULL CHECK (auth_type IN ('bearer', 'api_key', 'basic', 'header')),
  header TEXT,
  allowed_hosts TEXT NOT NULL,
  description TEXT,
  encrypted_secret TEXT NOT NULL,
  created_at {MS} NOT NULL,
  updated_at {MS} NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'approver removal',
    sql: `
ALTER TABLE approvers ADD COLUMN removed_at {MS};
`,
  },
]

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = STEPS[STEPS.length - 1]?.version ?? 0

/** The numbered migrations, oldest first, written for one dialect. */
export function migrationsFor(dialect: Dialect): Migration[] {
  const types = TYPES[dialect]
  return STEPS.map((step) => ({
    ...step,
    sql: step.sql.replace(/\{(\w+)\}/g, (_, name: string) => types[name] ?? `{${name}}`),
  }))
}
