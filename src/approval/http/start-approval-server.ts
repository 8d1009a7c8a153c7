import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { WardenError } from '../../errors.js'
import { openStore } from '../../store/open-store.js'
import type { Store } from '../../store/store.js'
import { createPushNotifier } from '../inbox/push-notifier.js'
import { inboxRoutes } from '../inbox/inbox-routes.js'
import { relyingPartyFrom } from '../passkey/relying-party.js'
import { loadApprovalRules } from '../rules/load-approval-rules.js'
import type { ApprovalRules } from '../rules/approval-rules.js'
import { createSecretBox, loadSecretKey } from '../secret-box.js'
import { createApprovalService, type ApprovalService } from '../service/approval-service.js'
import { createWebhookDispatcher } from '../webhooks/webhook-dispatcher.js'
import { createApprovalApp } from './create-approval-app.js'
import { openCallbackSecret } from '../webhooks/callback-secret.js'
import { attachVault, type VaultSource } from '../../vault/attached-vault.js'
import { openConfiguredVault } from '../../vault/open-vault.js'
import type { Vault } from '../../vault/vault.js'
import { startAdminListener, type AdminListener } from '../../observability/admin-listener.js'
import { countResolutions } from '../../observability/approval-metrics.js'
import { createInFlight } from '../../observability/in-flight.js'
import { openResponses } from '../../observability/open-responses.js'
import { createLogger, type Logger } from '../../observability/logger.js'
import { notStopping } from '../../observability/proxy-readiness.js'
import { storeReachable } from '../../observability/readiness-checks.js'
import { countVaultExecutions } from '../../observability/vault-metrics.js'
import { createWardenMetrics, type WardenMetrics } from '../../observability/warden-metrics.js'

export interface ApprovalServerOptions {
  /** `sqlite:PATH`, a file path, `postgres://…`, or an open Store; default `.warden/warden.db`. */
  store?: string | Store
  host?: string
  /** Default 8788; 0 picks a free port. */
  port?: number
  /** Where approvers reach the inbox (the passkey origin); default http://localhost:PORT. */
  publicUrl?: string
  /** Key file for secrets at rest, unless WARDEN_SECRET_KEY is set; default `.warden/secret.key`. */
  secretKeyFile?: string
  /** Files or folders holding `kind: approval-rules` YAML. */
  rules?: string | string[] | ApprovalRules
  timeZone?: string
  /**
   * Let agents' callback_url point at loopback and private addresses. Off by default: an
   * agent could otherwise make the service POST into the internal network.
   */
  allowPrivateCallbacks?: boolean
  /** Contact the push services may reach (mailto: or https:); default the public URL if https. */
  pushContact?: string
  now?: () => number
  env?: NodeJS.ProcessEnv
  onSideEffectError?: (error: unknown) => void
  /**
   * The credential vault: a Vault, `false` for none, or (default) the vault whose key is
   * WARDEN_VAULT_KEY or `vaultKeyFile`; until one exists the vault routes answer 501
   * ERR_VAULT_NOT_CONFIGURED (`warden vault add` creates the key file).
   */
  vault?: Vault | false
  /** Default `vault.key` beside the secret key file (`.warden/vault.key`). */
  vaultKeyFile?: string
  /** One line per vault call (never a secret); default none. */
  vaultLog?: (line: string) => void
  /** Serve /metrics, /healthz and /readyz (ready = the store answers) here. */
  admin?: { host: string; port: number }
  /** Where approvals and vault executions are counted; default a new registry when `admin` is set. */
  metrics?: WardenMetrics
  /** Requests are logged at debug level, by path and header names only; default silent. */
  logger?: Logger
  /** How long `shutdown()` lets requests in flight finish; default 30 s. */
  shutdownGraceMs?: number
}

export interface RunningApprovalServer {
  url: string
  /** The admin listener (`http://host:port`), when one was asked for. */
  adminUrl?: string
  metrics?: WardenMetrics
  service: ApprovalService
  store: Store
  app: Hono
  /**
   * Stops accepting connections (requests on open ones get 503), answers long-poll waits at
   * once with the request as it stands, lets other requests finish for up to `graceMs`, then
   * closes the service and the store.
   */
  shutdown(graceMs?: number): Promise<{ drained: boolean }>
  /** `shutdown(0)`. */
  close(): Promise<void>
}

/** Opens the store, builds the service and serves its HTTP API and inbox. */
export async function startApprovalServer(
  options: ApprovalServerOptions = {},
): Promise<RunningApprovalServer> {
  const store = typeof options.store === 'object' ? options.store : await openStore(options.store)
  const ownsStore = typeof options.store !== 'object'
  const logger = options.logger ?? createLogger({ level: 'silent' })
  const metrics = options.metrics ?? (options.admin ? createWardenMetrics() : undefined)
  const inFlight = createInFlight()
  let server: Server | undefined
  let admin: AdminListener | undefined
  try {
    const box = createSecretBox(
      await loadSecretKey({
        envVar: 'WARDEN_SECRET_KEY',
        file: resolve(options.secretKeyFile ?? '.warden/secret.key'),
        ...(options.env ? { env: options.env } : {}),
      }),
    )
    const rules = await rulesFrom(options.rules)
    let handle: (request: Request) => Response | Promise<Response> = () =>
      new Response('starting', { status: 503 })
    const served = (request: Request): Response | Promise<Response> => {
      logger.debug({ req: request }, 'request')
      if (inFlight.draining) return shuttingDown()
      // Long-poll waits watch the request's signal: at shutdown they answer at once.
      return inFlight.run(
        async (signal) =>
          handle(request.method === 'GET' ? new Request(request, { signal }) : request),
        request.signal,
      )
    }
    const responses = openResponses(getRequestListener(served))
    server = createServer(responses.listener)
    const port = await listen(server, options.host ?? '127.0.0.1', options.port ?? 8788)
    const publicUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '')
    const push = createPushNotifier({
      store,
      box,
      subject: options.pushContact ?? publicUrl,
      ...(options.onSideEffectError ? { onError: options.onSideEffectError } : {}),
    })
    const webhooks = createWebhookDispatcher({
      store,
      box,
      callbackSecret: await openCallbackSecret(store, box),
      publicUrl,
      ...(options.allowPrivateCallbacks ? { callbacks: 'any' as const } : {}),
    })
    const service = createApprovalService({
      store,
      box,
      rp: relyingPartyFrom(publicUrl),
      publicUrl,
      rules,
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.onSideEffectError ? { onSideEffectError: options.onSideEffectError } : {}),
      ...(options.allowPrivateCallbacks ? { checkCallback: 'any' as const } : {}),
      webhooks: metrics ? countResolutions(webhooks, metrics) : webhooks,
      push,
    })
    const vault = vaultFor(options, store)
    if (vault) attachVault(service, metrics ? countVaultExecutions(vault, metrics) : vault)
    const app = createApprovalApp(service, { inbox: inboxRoutes(), push })
    handle = (request) => app.fetch(request)
    service.start()
    if (options.admin) {
      admin = await startAdminListener({
        ...options.admin,
        ...(metrics ? { metrics } : {}),
        readiness: [storeReachable(store), notStopping(inFlight)],
      })
    }
    const listening = server
    let stopping: Promise<{ drained: boolean }> | undefined
    const shutdown = (graceMs = options.shutdownGraceMs ?? 30_000) => {
      stopping ??= (async () => {
        const closed = new Promise<void>((done) => listening.close(() => done()))
        listening.closeIdleConnections()
        const draining = inFlight.drain(graceMs)
        inFlight.cutOff()
        const drained = await draining
        // Answers already returned are still being written; closing connections would cut them.
        await responses.written(WRITE_MS)
        await service.close()
        listening.closeAllConnections()
        await closed
        await admin?.close()
        if (ownsStore) await store.close()
        return { drained }
      })()
      return stopping
    }
    return {
      url: `http://${formatHost(options.host ?? '127.0.0.1')}:${port}`,
      ...(admin ? { adminUrl: admin.url } : {}),
      ...(metrics ? { metrics } : {}),
      service,
      store,
      app,
      shutdown,
      async close() {
        await shutdown(0)
      },
    }
  } catch (error) {
    server?.close()
    await admin?.close()
    if (ownsStore) await store.close()
    throw error
  }
}

/** Upper bound for answered responses to finish writing at shutdown. */
const WRITE_MS = 2_000

/** What a request gets once the server is shutting down: try again (another instance, or later). */
function shuttingDown(): Response {
  return Response.json(
    {
      error: {
        code: 'ERR_SHUTTING_DOWN',
        message: 'the approval service is shutting down; retry the request',
      },
    },
    { status: 503, headers: { 'retry-after': '1', connection: 'close' } },
  )
}

/**
 * The vault the options name; else a source that opens the vault once its key exists
 * (WARDEN_VAULT_KEY, or the key file `warden vault add` creates), so no restart is needed.
 */
function vaultFor(options: ApprovalServerOptions, store: Store): VaultSource | undefined {
  if (options.vault === false) return undefined
  if (options.vault) return options.vault
  let opened: Promise<Vault | undefined> | undefined
  return () => {
    opened ??= openConfiguredVault({
      store,
      keyFile: resolve(
        options.vaultKeyFile ??
          join(dirname(options.secretKeyFile ?? '.warden/secret.key'), 'vault.key'),
      ),
      ...(options.env ? { env: options.env } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.vaultLog ? { log: options.vaultLog } : {}),
    }).then(
      (vault) => {
        if (!vault) opened = undefined
        return vault
      },
      (error: unknown) => {
        opened = undefined
        throw error
      },
    )
    return opened
  }
}

async function rulesFrom(
  rules: ApprovalServerOptions['rules'],
): Promise<ApprovalRules | undefined> {
  if (rules === undefined) return undefined
  if (typeof rules === 'string' || Array.isArray(rules)) return loadApprovalRules(rules)
  return rules
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new WardenError(
          'ERR_CONFIG_INVALID',
          error.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use` : error.message,
        ),
      ),
    )
    server.listen(port, host, () => done((server.address() as AddressInfo).port))
  })
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
