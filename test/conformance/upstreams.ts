import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, startChild, waitForLine, waitForPort, type Child } from './children.js'

const START_TIMEOUT_MS = 60_000
const EVERYTHING_PACKAGE = '@modelcontextprotocol/server-everything'

/** Something the suite is pointed at, with the process that serves it. */
export interface Target {
  readonly url: string
  readonly child: Child
}

/** An MCP server measured twice: over Streamable HTTP directly, and over stdio behind the proxy. */
export interface Upstream {
  readonly name: string
  /** Serves it over Streamable HTTP on 127.0.0.1 for the direct run. */
  serveHttp(): Promise<Target>
  /** The stdio command the proxy spawns, as the one string `--upstream` takes. */
  readonly stdioCommand: string
}

function commandLine(words: readonly string[]): string {
  return words.map((word) => (/\s/.test(word) ? JSON.stringify(word) : word)).join(' ')
}

/** The checkout's root: the nearest folder above this file with the project's package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || dir.includes('node_modules')) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the project root')
    dir = parent
  }
  return dir
}

export function fixtureUpstream(): Upstream {
  const script = fileURLToPath(new URL('../fixtures/conformance/server.js', import.meta.url))
  return {
    name: 'fixture',
    stdioCommand: commandLine([process.execPath, script, '--stdio']),
    serveHttp: async () => {
      const child = startChild('fixture', process.execPath, [script, '--http', '--port', '0'])
      const [url] = await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+\/mcp/, START_TIMEOUT_MS)
      return { url, child }
    },
  }
}

/** server-everything from the devDependencies; through npx when it is not installed. */
export function everythingUpstream(root: string): Upstream {
  let command: string[]
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve(
      `${EVERYTHING_PACKAGE}/package.json`,
    )
    command = [process.execPath, join(dirname(manifest), 'dist', 'index.js')]
  } catch {
    command = ['npx', '-y', EVERYTHING_PACKAGE]
  }
  const [program, ...args] = command as [string, ...string[]]
  return {
    name: 'server-everything',
    stdioCommand: commandLine([...command, 'stdio']),
    serveHttp: async () => {
      const port = await freePort()
      const child = startChild('server-everything', program, [...args, 'streamableHttp'], {
        env: { ...process.env, PORT: String(port) },
      })
      await waitForPort(child, port, START_TIMEOUT_MS)
      return { url: `http://127.0.0.1:${port}/mcp`, child }
    },
  }
}
