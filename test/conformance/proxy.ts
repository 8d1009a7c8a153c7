import { join } from 'node:path'
import { freePort, runChild, startChild, waitForPort } from './children.js'
import type { Target, Upstream } from './upstreams.js'

const HELP_TIMEOUT_MS = 30_000
const START_TIMEOUT_MS = 60_000

export const ALLOW_ALL_POLICY = 'name: allow-all\ndefault_effect: allow\nrules: []\n'

function cli(root: string): string {
  return join(root, 'dist', 'cli', 'main.js')
}

/** Why `warden proxy` cannot be measured, or undefined when the built CLI has the command. */
export async function proxyUnavailable(root: string): Promise<string | undefined> {
  const help = await runChild(
    'warden proxy --help',
    process.execPath,
    [cli(root), 'proxy', '--help'],
    HELP_TIMEOUT_MS,
    { cwd: root },
  )
  if (help.code === 0) return undefined
  return `\`warden proxy --help\` exited ${help.code ?? 'by timeout'}: ${help.output.trim().split('\n')[0] ?? ''}`
}

/** `warden proxy` with an allow-everything policy, in front of the upstream spawned over stdio. */
export async function startProxy(
  root: string,
  upstream: Upstream,
  policyFile: string,
): Promise<Target> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/mcp`
  const args = [
    cli(root),
    'proxy',
    '--upstream',
    upstream.stdioCommand,
    '--listen',
    url,
    '--policies',
    policyFile,
    '--allow-anonymous',
  ]
  const child = startChild(`warden proxy (${upstream.name})`, process.execPath, args, { cwd: root })
  await waitForPort(child, port, START_TIMEOUT_MS)
  return { url, child }
}
