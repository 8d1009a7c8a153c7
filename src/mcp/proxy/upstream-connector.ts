import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { WardenError } from '../../errors.js'
import { tracingFetch } from '../../observability/trace-propagation.js'
import type { WardenMetrics } from '../../observability/warden-metrics.js'
import { resolveVaultHeaders } from '../../vault/resolve-vault-headers.js'
import type { Vault } from '../../vault/vault.js'
import type { UpstreamSpec } from './load-proxy-config.js'

/** Opens a new connection to one upstream for each downstream session (isolated sessions). */
export interface UpstreamConnector {
  readonly spec: UpstreamSpec
  open(): Promise<Transport>
}

export interface UpstreamConnectorOptions {
  /** One line of the proxy's log (stderr). */
  log: (line: string) => void
  /** Where relative `cwd` values resolve. */
  baseDir?: string
  /** Resolves `vault:NAME` header values of HTTP upstreams (see openProxyVault). */
  vault?: Vault
  /** Counts restarts: stdio upstreams that exited, HTTP upstreams that forgot the session. */
  metrics?: WardenMetrics
}

const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 5_000
/** A process that lived this long was healthy; its death starts the backoff afresh. */
const STABLE_MS = 5_000

export function createUpstreamConnector(
  spec: UpstreamSpec,
  options: UpstreamConnectorOptions,
): UpstreamConnector {
  if (spec.kind === 'stdio') return stdioConnector(spec, options)
  return {
    spec,
    async open() {
      const url = new URL(spec.url)
      // Resolved per session, so a credential replaced in the vault is used without a restart.
      const headers = await resolveVaultHeaders(spec.headers, options.vault, url)
      // A followed redirect would carry a custom credential header (X-Api-Key) to its target.
      const requestInit: RequestInit = { headers, redirect: 'error' }
      // Carries the served request's W3C trace context (traceparent) on to the upstream.
      const fetch = tracingFetch()
      if (spec.kind === 'sse') return new SSEClientTransport(url, { requestInit, fetch })
      return reopenOnLostSession(
        new StreamableHTTPClientTransport(url, { requestInit, fetch }),
        spec.name,
        options,
      )
    },
  }
}

/**
 * A Streamable HTTP server that restarted no longer knows our session and answers 404
 * (MCP: the client must then initialize a new one). The request was not run: it fails with a
 * retryable error, the transport closes, and the bridge opens a new session for the next one.
 */
function reopenOnLostSession(
  transport: StreamableHTTPClientTransport,
  name: string,
  options: UpstreamConnectorOptions,
): StreamableHTTPClientTransport {
  const send = transport.send.bind(transport)
  transport.send = async (message, sendOptions) => {
    try {
      await send(message, sendOptions)
    } catch (error) {
      if (!(error instanceof StreamableHTTPError && error.code === 404 && transport.sessionId)) {
        throw error
      }
      options.metrics?.upstreamRestarted(name)
      options.log(`upstream ${name} no longer knows the session (restarted?); opening a new one`)
      // After this request has failed with the reason below, not before (a close fails it too).
      setImmediate(() => void transport.close())
      throw new WardenError(
        'ERR_UPSTREAM_UNAVAILABLE',
        `the upstream ${name} restarted and lost this session; the request was not run, retry it`,
        { cause: error },
      )
    }
  }
  return transport
}

/** Spawns one process per session; after crashes, waits 100 ms, 200 ms, … up to 5 s before the next. */
function stdioConnector(
  spec: Extract<UpstreamSpec, { kind: 'stdio' }>,
  options: UpstreamConnectorOptions,
): UpstreamConnector {
  let failures = 0
  return {
    spec,
    async open() {
      if (failures > 0) {
        await sleep(Math.min(FIRST_DELAY_MS * 2 ** (failures - 1), MAX_DELAY_MS))
      }
      const transport = new StdioClientTransport({
        command: spec.command,
        args: spec.args,
        env: spec.env,
        stderr: 'pipe',
        ...(spec.cwd !== undefined
          ? { cwd: resolve(options.baseDir ?? process.cwd(), spec.cwd) }
          : {}),
      })
      if (transport.stderr) {
        const lines = createInterface({ input: transport.stderr as Readable })
        lines.on('line', (line) => options.log(`[${spec.name}] ${line}`))
      }
      let started = 0
      let closing = false
      const start = transport.start.bind(transport)
      transport.start = async () => {
        try {
          await start()
          started = Date.now()
        } catch (error) {
          failures++
          options.log(`upstream ${spec.name} did not start: ${(error as Error).message}`)
          throw error
        }
      }
      const close = transport.close.bind(transport)
      transport.close = () => {
        closing = true
        return close()
      }
      // The SDK's Client chains its own onclose after this one.
      transport.onclose = () => {
        if (closing || started === 0) return
        failures = Date.now() - started >= STABLE_MS ? 1 : failures + 1
        options.metrics?.upstreamRestarted(spec.name)
        options.log(`upstream ${spec.name} exited; the next request starts it again`)
      }
      return transport
    },
  }
}
