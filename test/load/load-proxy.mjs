import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { stringify } from 'yaml'
import { BENCH_ROLE, hundredRulePolicy } from '../bench/proxy/bench-policies.mjs'

const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 10_000

/**
 * Writes what the load and soak runs need into `dir` (one API key per session slot, the
 * bench's 100-rule policy, an audit file) and starts `warden proxy` from dist as its own
 * process group, in front of server-everything over stdio. Resolves once HTTP answers.
 */
export async function startLoadProxy({ root, dir, users }) {
  const { generateApiKey, writeApiKeysFile } = await import(join(root, 'dist', 'index.js'))
  const keys = users.map(() => generateApiKey())
  await writeApiKeysFile(
    join(dir, 'keys.yaml'),
    keys.map((generated, i) => ({
      prefix: generated.prefix,
      hash: generated.hash,
      user_id: users[i],
      roles: [BENCH_ROLE],
      created_at: new Date().toISOString(),
    })),
  )
  await writeFile(join(dir, 'policy-100.yaml'), stringify(hundredRulePolicy()))
  const port = await freePort()
  const upstream = join(root, 'node_modules', '.bin', 'mcp-server-everything')
  const auditFile = join(dir, 'audit.jsonl')
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist', 'cli', 'main.js'),
      'proxy',
      '--upstream',
      `"${upstream}" stdio`,
      '--listen',
      `http://127.0.0.1:${port}/mcp`,
      '--policies',
      join(dir, 'policy-100.yaml'),
      '--keys-file',
      join(dir, 'keys.yaml'),
      '--audit-file',
      auditFile,
    ],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  const keep = (chunk) => (log = (log + chunk.toString()).slice(-20_000))
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal)
    } catch {
      // Already gone.
    }
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup('SIGTERM')
      if ((await Promise.race([exited, sleep(STOP_GRACE_MS).then(() => 'late')])) === 'late') {
        killGroup('SIGKILL')
        await exited
      }
    }
    // Upstreams left by a leader that exited first.
    killGroup('SIGKILL')
  }
  const url = `http://127.0.0.1:${port}/mcp`
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`the proxy did not start:\n${log}`)
    }
    await sleep(100)
  }
  return {
    url,
    pid: child.pid,
    auditFile,
    keys: keys.map((k) => k.key),
    log: () => log,
    stop,
    killGroup,
  }
}

/** Resident set size of one process, in MiB (NaN when it is gone). */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) / 1024
  } catch {
    return NaN
  }
}

/** User + system CPU seconds of one process, from /proc (USER_HZ 100). */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

/** The processes whose parent is `pid` (the proxy's live stdio upstreams): count and RSS in MiB. */
export function children(pid) {
  let count = 0
  let rss = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.split(') ')[1].split(' ')[1]) !== pid) continue
      count++
      rss += rssMiB(Number(entry)) || 0
    } catch {
      // Exited while we looked.
    }
  }
  return { count, rss }
}

function answers(url) {
  return new Promise((resolve) => {
    const request = get(url, { timeout: 1_000 }, (response) => {
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
