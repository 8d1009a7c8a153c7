import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { connect } from 'node:net'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import type { ApprovalBackend } from '../approval/backend/approval-backend.js'
import type { UpstreamSpec } from '../mcp/proxy/load-proxy-config.js'
import type { PolicySet } from '../policy/policy-set.js'
import type { Store } from '../store/store.js'
import type { ReadinessCheck } from './readiness.js'

/** Ready once a policy set is in force (a failed reload keeps the last good one). */
export function policiesLoaded(current: () => PolicySet | undefined): ReadinessCheck {
  return {
    name: 'policies',
    async check() {
      const set = current()
      if (!set) throw new Error('no policy set is loaded')
    },
  }
}

/**
 * An HTTP upstream accepts TCP connections on its port; a stdio upstream's command exists
 * and is executable (starting a process per probe would cost more than it tells).
 */
export function upstreamReachable(spec: UpstreamSpec, baseDir: string): ReadinessCheck {
  return {
    name: `upstream ${spec.name}`,
    check: (signal) =>
      spec.kind === 'stdio'
        ? commandExecutable(
            spec.command,
            spec.env.PATH ?? process.env.PATH ?? '',
            spec.cwd ? resolve(baseDir, spec.cwd) : baseDir,
          )
        : tcpReachable(new URL(spec.url), signal),
  }
}

/** The store answers a read. */
export function storeReachable(store: Pick<Store, 'getSetting'>): ReadinessCheck {
  return {
    name: 'store',
    async check() {
      await store.getSetting('warden.readiness')
    },
  }
}

/** Codes meaning the backend answered (here: "no such request"), so it is up. */
const ANSWERED = new Set(['ERR_APPROVAL_NOT_FOUND', 'ERR_APPROVAL_INVALID'])

/** The approval backend answers a lookup of a request that does not exist. */
export function approvalBackendReachable(backend: ApprovalBackend): ReadinessCheck {
  return {
    name: 'approvals',
    async check(signal) {
      try {
        await backend.get('apr_readiness_probe', signal)
      } catch (error) {
        const code = (error as { code?: unknown }).code
        if (typeof code === 'string' && ANSWERED.has(code)) return
        throw error
      }
    },
  }
}

function tcpReachable(url: URL, signal: AbortSignal): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise((done, fail) => {
    const socket = connect({ host, port, signal })
    socket.once('connect', () => {
      socket.destroy()
      done()
    })
    socket.once('error', (error) => fail(new Error(`${host}:${port}: ${error.message}`)))
  })
}

async function commandExecutable(command: string, path: string, cwd: string): Promise<void> {
  const candidates =
    command.includes('/') || isAbsolute(command)
      ? [resolve(cwd, command)]
      : path
          .split(delimiter)
          .filter((dir) => dir !== '')
          .map((dir) => join(dir, command))
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      return
    } catch {
      // not here; try the next PATH entry
    }
  }
  throw new Error(`${command}: not found or not executable`)
}
