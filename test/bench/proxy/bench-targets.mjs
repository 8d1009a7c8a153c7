import { spawn } from 'node:child_process'
import { get } from 'node:http'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { stringify } from 'yaml'
import { allowAllPolicy, BENCH_ROLE, hundredRulePolicy } from './bench-policies.mjs'

const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5_000
const PROBE_TIMEOUT_MS = 1_000
/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100
const DEMO_KEY_LINE = /^\s+bench-user\s+(wk_\S+)/m

/** Every process group started and not yet reaped, so exit paths can kill them all. */
const running = new Set()

/**
 * The three targets of the issue. `prepare` writes their files once; `start` launches one
 * process (its own process group, so its upstreams die with it) and resolves once it answers.
 */
export function benchTargets({ root, dir, cpuProfDir, memoryKeys }) {
  const main = join(root, 'dist', 'cli', 'main.js')
  const upstream = join(root, 'node_modules', '.bin', 'mcp-server-everything')
  const mcpProxy = join(root, 'node_modules', 'mcp-proxy', 'dist', 'bin', 'mcp-proxy.mjs')
  const profile = (name) =>
    cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/${name}`] : []
  const wardenArgs = (port) => [
    main,
    'proxy',
    '--upstream',
    `"${upstream}" stdio`,
    '--listen',
    `http://127.0.0.1:${port}/mcp`,
  ]
  let apiKey = ''
  // Diagnostic: the same identity and policy, but the key held in memory (`demo_keys:`)
  // instead of a keys file, to tell the keys file's cost from the rest of the API-key path.
  const memoryKeyTarget = () => ({
    name: 'warden (demo key in memory, 100 rules)',
    key: 'warden-memory-key',
    ready: DEMO_KEY_LINE,
    headers: (log) => ({ 'x-api-key': log.match(DEMO_KEY_LINE)[1] }),
    command: (port) => [
      ...profile('warden-memory-key'),
      main,
      'proxy',
      '--config',
      join(dir, 'warden-memory-keys.yaml'),
      '--listen',
      `http://127.0.0.1:${port}/mcp`,
    ],
  })
  return {
    async prepare() {
      const { generateApiKey, writeApiKeysFile } = await import(join(root, 'dist', 'index.js'))
      const generated = generateApiKey()
      apiKey = generated.key
      await writeApiKeysFile(join(dir, 'keys.yaml'), [
        {
          prefix: generated.prefix,
          hash: generated.hash,
          user_id: 'bench-user',
          roles: [BENCH_ROLE],
          created_at: new Date().toISOString(),
        },
      ])
      await writeFile(join(dir, 'policy-100.yaml'), stringify(hundredRulePolicy()))
      await writeFile(join(dir, 'policy-allow-all.yaml'), stringify(allowAllPolicy()))
      const config = {
        upstreams: { everything: { command: upstream, args: ['stdio'] } },
        policies: join(dir, 'policy-100.yaml'),
        demo_keys: [{ user_id: 'bench-user', roles: [BENCH_ROLE] }],
      }
      await writeFile(join(dir, 'warden-memory-keys.yaml'), stringify(config))
    },
    targets: [
      {
        name: 'warden (API key, 100 rules)',
        key: 'warden-auth',
        headers: () => ({ 'x-api-key': apiKey }),
        command: (port) => [
          ...profile('warden-auth'),
          ...wardenArgs(port),
          '--policies',
          join(dir, 'policy-100.yaml'),
          '--keys-file',
          join(dir, 'keys.yaml'),
        ],
      },
      {
        name: 'warden (allow-all, anonymous)',
        key: 'warden-allow-all',
        headers: () => ({}),
        command: (port) => [
          ...profile('warden-allow-all'),
          ...wardenArgs(port),
          '--policies',
          join(dir, 'policy-allow-all.yaml'),
          '--allow-anonymous',
        ],
      },
      ...(memoryKeys ? [memoryKeyTarget()] : []),
      {
        name: 'mcp-proxy (no authorization)',
        key: 'mcp-proxy',
        headers: () => ({}),
        command: (port) => [
          ...profile('mcp-proxy'),
          mcpProxy,
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--server',
          'stream',
          '--',
          upstream,
          'stdio',
        ],
      },
    ],
  }
}

/** Starts a target on a free loopback port; resolves `{ url, stop, log }` once HTTP answers. */
export async function startTarget(target, root) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/mcp`
  const child = spawn(process.execPath, target.command(port), {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let log = ''
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM')
      const result = await Promise.race([exited, sleep(STOP_GRACE_MS).then(() => null)])
      if (result === null) killGroup(child, 'SIGKILL')
      await exited
    }
    // The group's other members (its upstreams) may outlive a leader that exited first.
    killGroup(child, 'SIGKILL')
    running.delete(child)
  }
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    const problem =
      child.exitCode !== null || child.signalCode !== null
        ? 'exited early'
        : Date.now() > deadline
          ? `did not answer within ${READY_TIMEOUT_MS} ms`
          : undefined
    if (problem) {
      await stop()
      throw new Error(`${target.name} ${problem}:\n${log}`)
    }
    const answered = await answers(url)
    if (answered && (!target.ready || target.ready.test(log))) {
      return { url, stop, log: () => log, cpuMs: () => cpuMs(child.pid) }
    }
    await sleep(100)
  }
}

/** Kills every process group still running (exit, signal and error paths). */
export function killAllTargets() {
  for (const child of running) killGroup(child, 'SIGKILL')
  running.clear()
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** User + system CPU time of one process (not its children), from /proc; NaN elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return NaN
  }
}

/** True once anything answers HTTP at the URL (any status: only liveness matters here). */
function answers(url) {
  return new Promise((resolve) => {
    const request = get(url, { timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume()
      resolve(true)
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(false))
  })
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}
