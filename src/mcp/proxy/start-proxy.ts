import type { Readable, Writable } from 'node:stream'
import { openAuditLog } from '../../audit/open-audit-log.js'
import type { AuditLog } from '../../audit/audit-log.js'
import { formatSourceIssue, PolicyLoadError } from '../../errors.js'
import { createGate, type AuditSink } from '../../gate/gate.js'
import type { AuthContext } from '../../identity/auth-context.js'
import { requireSecureUrl } from '../../identity/secure-url.js'
import {
  AddressInUseError,
  startAdminListener,
  type AdminListener,
} from '../../observability/admin-listener.js'
import { createInFlight } from '../../observability/in-flight.js'
import { createLogger, type Logger } from '../../observability/logger.js'
import { proxyReadiness } from '../../observability/proxy-readiness.js'
import { tracedIdentify } from '../../observability/traced-identify.js'
import { createWardenMetrics, type WardenMetrics } from '../../observability/warden-metrics.js'
import type { PolicySet } from '../../policy/policy-set.js'
import { watchPolicies, type PolicyWatcher } from '../../policy/watch.js'
import { createBridge, type BridgeSession } from '../bridge.js'
import { createEscalator } from '../../gate/escalation.js'
import { openProxyApprovals } from './proxy-approvals.js'
import { openProxyVault } from './proxy-vault.js'
import { aggregateUpstreams, NAMESPACE_SEPARATOR } from './aggregate-upstream.js'
import { PRINCIPAL_AUTH_KEY, startHttpListener, type HttpListener } from './http-listener.js'
import type { ProxyConfig } from './load-proxy-config.js'
import { createProxyIdentity, type DemoKey } from './proxy-identity.js'
import { serveStdio } from './stdio-listener.js'
import { createUpstreamConnector } from './upstream-connector.js'

export interface StartProxyOptions {
  /** One line of the operator's log; default stderr. Never stdout: a stdio listener owns it. */
  log?: (line: string) => void
  /** The operator's log with levels (see createLogger); replaces `log`. */
  logger?: Logger
  /** Where decisions, sessions and upstream timings are counted; default a new registry when `admin` is set. */
  metrics?: WardenMetrics
  /** Serve /metrics, /healthz and /readyz here; replaces the config's `admin`. */
  admin?: { host: string; port: number }
  /** How long `shutdown()` lets calls in flight finish; replaces the config's `shutdown_grace`. */
  shutdownGraceMs?: number
  /** For a stdio listener; default the process's. */
  stdin?: Readable
  stdout?: Writable
  /** Upper bound for one relayed request, reset by progress; replaces the config's `request_timeout`. */
  requestTimeoutMs?: number
  /** Quiet period before a policy reload; default 100 ms. */
  reloadDebounceMs?: number
}

export interface RunningProxy {
  /** The HTTP endpoint, for an HTTP listener. */
  readonly url?: string
  readonly policies: () => PolicySet
  readonly demoKeys: readonly DemoKey[]
  /** The admin listener (`http://host:port`), when one was asked for. */
  readonly adminUrl?: string
  readonly metrics?: WardenMetrics
  /** Reloads the policies now (a bad set keeps the last good one). */
  reloadPolicies(): Promise<PolicySet>
  /** Settles when a stdio session ended, or when `close` or `shutdown` was called. */
  readonly closed: Promise<void>
  /**
   * Stops taking requests (new ones get a retryable error), answers calls waiting for an
   * approval with a retryable error, lets other calls in flight finish for up to `graceMs`
   * (default the configured grace), then closes listeners, upstreams and the audit log.
   */
  shutdown(graceMs?: number): Promise<{ drained: boolean }>
  /** `shutdown(0)`. */
  close(): Promise<void>
}

/**
 * Starts `warden proxy`: loads the policies (a broken one throws PolicyLoadError), opens the
 * audit log, builds the identity chain, then serves the bridge over stdio or Streamable HTTP.
 */
export async function startProxy(
  config: ProxyConfig,
  options: StartProxyOptions = {},
): Promise<RunningProxy> {
  const logger =
    options.logger ??
    createLogger({
      format: 'text',
      destination: options.log ?? ((line: string) => void process.stderr.write(`${line}\n`)),
    })
  const log = (line: string) => logger.info(line)
  const timeoutMs = options.requestTimeoutMs ?? config.request_timeout
  const adminAddress = options.admin ?? config.admin
  const metrics = options.metrics ?? (adminAddress ? createWardenMetrics() : undefined)
  const inFlight = createInFlight()
  const opened: { close(): unknown }[] = []
  const closeAll = async () => {
    for (const resource of opened.reverse()) await resource.close()
  }
  try {
    const watcher: PolicyWatcher = await watchPolicies(config.policies, {
      ...(options.reloadDebounceMs !== undefined ? { debounceMs: options.reloadDebounceMs } : {}),
      onReload: (set) => log(`policies reloaded: ${describe(set)}`),
      onError: (error) =>
        logger.warn(`policy reload failed; the last good policies stay in force:\n${why(error)}`),
    })
    opened.push(watcher)
    const audit = config.audit ? await openAudit(config.audit, logger, metrics) : undefined
    if (audit) opened.push(audit.log)
    const identity = await createProxyIdentity(config)
    opened.push(identity)

    const gate = createGate({
      policies: () => watcher.current,
      ...(audit ? { audit: audit.sink } : {}),
      exposeRuleNames: config.expose_rule_names,
      ...(metrics ? { metrics } : {}),
    })
    const approvals =
      config.approvals === undefined
        ? undefined
        : await openProxyApprovals(config.approvals, { cwd: config.baseDir, log })
    if (approvals) opened.push({ close: () => approvals.backend.close?.() })
    const proxyVault = await openProxyVault(config, { cwd: config.baseDir, log })
    opened.push(proxyVault)
    const connectors = config.upstreams.map((spec) =>
      createUpstreamConnector(spec, {
        log,
        baseDir: config.baseDir,
        ...(proxyVault.vault ? { vault: proxyVault.vault } : {}),
        ...(metrics ? { metrics } : {}),
      }),
    )
    const names = new Set(connectors.map((c) => c.spec.name))
    const single = connectors.length === 1 ? connectors[0]! : undefined
    const bridge = createBridge({
      gate,
      principal: principalSource(config.listen.transport, await stdioPrincipal()),
      upstream: single ? () => single.open() : aggregateUpstreams(connectors, timeoutMs),
      allowMethods: config.allow_methods,
      reopenUpstream: true,
      requestTimeoutMs: timeoutMs,
      inFlight,
      ...(metrics ? { metrics } : {}),
      ...(approvals
        ? {
            escalator: createEscalator({
              backend: approvals.backend,
              wait: approvals.wait,
              progressIntervalMs: approvals.progressIntervalMs,
              policyVersion: () => watcher.current.version,
              ...(audit ? { audit: audit.sink } : {}),
              stopping: inFlight.stopping,
              ...(metrics ? { metrics } : {}),
            }),
            ...(single ? { serverName: single.spec.name } : {}),
          }
        : {}),
      toolNamespace: single
        ? () => single.spec.name
        : (name) => {
            const prefix = name.split(NAMESPACE_SEPARATOR, 1)[0]!
            return names.has(prefix) ? prefix : undefined
          },
    })

    async function stdioPrincipal(): Promise<AuthContext | undefined> {
      return config.listen.transport === 'stdio' ? identity.stdioPrincipal() : undefined
    }

    let url: string | undefined
    let session: BridgeSession | undefined
    let listener: HttpListener | undefined
    if (config.listen.transport === 'stdio') {
      session = await serveStdio({
        bridge,
        maxLineBytes: config.listen.max_body_bytes,
        ...(options.stdin ? { stdin: options.stdin } : {}),
        ...(options.stdout ? { stdout: options.stdout } : {}),
      })
    } else {
      const { host, port, path } = config.listen
      listener = await startHttpListener({
        host,
        port,
        path,
        ...(config.listen.allowed_hosts ? { allowedHosts: config.listen.allowed_hosts } : {}),
        ...(config.listen.allowed_origins ? { allowedOrigins: config.listen.allowed_origins } : {}),
        maxBodyBytes: config.listen.max_body_bytes,
        bridge,
        identify: (request) => tracedIdentify(request, () => identity.identify(request), logger),
        protectedResource: (bound) => config.identity_resource ?? loopbackResource(bound),
        log,
      }).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EADDRINUSE' ? new AddressInUseError(host, port) : error
      })
      opened.push(listener)
      url = listener.url
    }

    let admin: AdminListener | undefined
    if (adminAddress) {
      admin = await startAdminListener({
        ...adminAddress,
        ...(metrics ? { metrics } : {}),
        readiness: proxyReadiness({
          config,
          policies: () => watcher.current,
          ...(approvals ? { approvals: approvals.backend } : {}),
          inFlight,
        }),
      })
      opened.push(admin)
      log(`admin listener on ${admin.url} (/metrics, /healthz, /readyz)`)
    }

    log(
      `listening on ${url ?? 'stdio'}; upstreams: ${config.upstreams
        .map((u) => `${u.name} (${u.kind === 'stdio' ? [u.command, ...u.args].join(' ') : u.url})`)
        .join(', ')}; policies: ${describe(watcher.current)}`,
    )

    let stop!: () => void
    const closed = new Promise<void>((resolve) => (stop = resolve))
    void session?.closed.then(() => stop())
    let stopping: Promise<{ drained: boolean }> | undefined
    const shutdown = (graceMs = options.shutdownGraceMs ?? config.shutdown_grace) => {
      stopping ??= (async () => {
        if (inFlight.count > 0) log(`shutting down: ${inFlight.count} requests in flight`)
        listener?.stopAccepting()
        const drained = await inFlight.drain(graceMs)
        if (!drained) {
          logger.warn(`shutting down: cutting off ${inFlight.count} requests after ${graceMs} ms`)
          // Their callers get an error (the upstream is told to cancel) before connections close.
          inFlight.cutOff()
          await inFlight.idle(SETTLE_MS)
        }
        // Answers just handed to the HTTP transport reach their sockets within a turn or two.
        await flushed()
        // Closing the sessions cuts off calls still in flight; they audit that before the log closes.
        const front = listener ?? session
        if (front) {
          if (opened.includes(front)) opened.splice(opened.indexOf(front), 1)
          await front.close()
          await inFlight.idle(SETTLE_MS)
        }
        await closeAll()
        stop()
        return { drained }
      })()
      return stopping
    }
    return {
      ...(url !== undefined ? { url } : {}),
      ...(admin ? { adminUrl: admin.url } : {}),
      ...(metrics ? { metrics } : {}),
      policies: () => watcher.current,
      demoKeys: identity.demoKeys,
      reloadPolicies: () => watcher.reload(),
      closed,
      shutdown,
      async close() {
        await shutdown(0)
      },
    }
  } catch (error) {
    await closeAll()
    throw error
  }
}

/** HTTP: the principal the listener verified for this request. stdio: the one fixed principal. */
function principalSource(transport: 'http' | 'stdio', fixed: AuthContext | undefined) {
  if (transport === 'stdio') return fixed!
  return (extra: { authInfo?: { extra?: Record<string, unknown> } }): AuthContext => {
    const principal = extra.authInfo?.extra?.[PRINCIPAL_AUTH_KEY]
    if (!principal) throw new Error('no verified principal on the request')
    return principal as AuthContext
  }
}

/** RFC 9728 metadata for a loopback listener without `identity_resource`; none otherwise. */
function loopbackResource(resource: string) {
  try {
    requireSecureUrl('resource', resource)
    return { resource }
  } catch {
    return undefined
  }
}

async function openAudit(
  audit: NonNullable<ProxyConfig['audit']>,
  logger: Logger,
  metrics: WardenMetrics | undefined,
): Promise<{ log: AuditLog; sink: AuditSink }> {
  const file = await openAuditLog(audit.file, { include_arguments: audit.include_arguments })
  const append: AuditSink['append'] = (entry) =>
    file.append(entry).catch((error: unknown) => {
      metrics?.auditWriteFailed()
      throw error
    })
  if (audit.on_failure === 'deny') return { log: file, sink: { append } }
  const sink: AuditSink = {
    append: (entry) =>
      append(entry).catch((error: unknown) => {
        // An approval-gated call never runs unaudited, whatever on_failure says.
        if (entry.effect === 'escalate') throw error
        logger.error(`audit write failed; continuing as configured: ${(error as Error).message}`)
        return undefined as never
      }),
  }
  return { log: file, sink }
}

/** Lets the event loop turn twice, so responses already answered are written out. */
async function flushed(): Promise<void> {
  for (let turn = 0; turn < FLUSH_TURNS; turn++) await new Promise((done) => setImmediate(done))
}

const FLUSH_TURNS = 2

/** Upper bound for calls cut off by the shutdown to finish their audit records. */
const SETTLE_MS = 2_000

export function describe(set: PolicySet): string {
  return `${set.policies.length} ${set.policies.length === 1 ? 'policy' : 'policies'}, ${set.rules.length} rules, version ${set.version.slice(0, 12)}`
}

function why(error: unknown): string {
  if (error instanceof PolicyLoadError) return error.issues.map(formatSourceIssue).join('\n')
  return (error as Error).message
}
