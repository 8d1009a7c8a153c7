import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { connect, createServer, type AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'

/** A child started in its own process group, so stopping it also stops what it spawned (npx, upstreams). */
export interface Child {
  readonly name: string
  readonly process: ChildProcess
  readonly exited: Promise<number | null>
  /** Everything it wrote to stdout and stderr, for the report when something fails. */
  output(): string
  stop(): Promise<void>
}

const running = new Set<Child>()

/** Whether `promise` settled within `ms`; the timer is cleared either way so it never holds the process open. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
const STOP_GRACE_MS = 3_000
const OUTPUT_LIMIT = 64 * 1024

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is already gone.
  }
}

export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const child = spawn(command, args, {
    ...options,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', (error) => {
      append(Buffer.from(`spawn failed: ${error.message}\n`))
      resolve(-1)
    })
  })
  const handle: Child = {
    name,
    process: child,
    exited,
    output: () => output,
    stop: async () => {
      signalGroup(child, 'SIGTERM')
      if (!(await settlesWithin(exited, STOP_GRACE_MS))) signalGroup(child, 'SIGKILL')
      await settlesWithin(exited, STOP_GRACE_MS)
      running.delete(handle)
    },
  }
  running.add(handle)
  void exited.then(() => running.delete(handle))
  return handle
}

/** Runs a command to completion, killing its process group after `timeoutMs`. */
export async function runChild(
  name: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
  options: SpawnOptions = {},
): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  const child = startChild(name, command, args, options)
  const finished = await settlesWithin(child.exited, timeoutMs)
  if (!finished) await child.stop()
  return { code: finished ? await child.exited : null, timedOut: !finished, output: child.output() }
}

export async function stopAllChildren(): Promise<void> {
  await Promise.allSettled([...running].map((child) => child.stop()))
}

/** Last resort on exit: no grace period is possible any more. */
export function killAllChildrenNow(): void {
  for (const child of running) signalGroup(child.process, 'SIGKILL')
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Waits until something listens on 127.0.0.1:port; fails early if the child exits first. */
export async function waitForPort(child: Child, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exited = false
  void child.exited.then(() => (exited = true))
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before listening:\n${child.output()}`)
    if (await portAccepts(port)) return
    await delay(100)
  }
  throw new Error(`${child.name} did not listen on port ${port} within ${timeoutMs} ms`)
}

/** Waits for the first stdout line matching `pattern` and returns its match. */
export async function waitForLine(
  child: Child,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const match = child.output().match(pattern)
    if (match !== null) return match
    if (child.process.exitCode !== null) break
    await delay(50)
  }
  throw new Error(`${child.name} printed no line matching ${pattern}:\n${child.output()}`)
}
