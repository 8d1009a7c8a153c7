import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { textOf } from '../harness.js'
import {
  httpClient,
  MCP_HEADERS,
  openSession,
  ROOT,
  startTestProxy,
  tempDir,
  type StartedProxy,
} from './proxy-harness.js'

const run = promisify(execFile)
const FS_SERVER = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js')
const SHIPPED_POLICY = join(ROOT, 'policies/filesystem.yaml')
const DECISION_ID = /\(decision ([0-9a-f-]{36})\)/

const READ_TOOLS = [
  'read_file',
  'read_text_file',
  'read_media_file',
  'read_multiple_files',
  'list_directory',
  'list_directory_with_sizes',
  'directory_tree',
  'search_files',
  'get_file_info',
  'list_allowed_directories',
]
const WRITE_TOOLS = ['write_file', 'edit_file', 'create_directory', 'move_file']

interface AuditLine {
  decision_id: string
  effect: string
  rule: string | null
  target: { tool?: string }
}

describe('the filesystem example through the proxy in front of @modelcontextprotocol/server-filesystem', () => {
  let started: StartedProxy
  let url: string
  let base: string
  let data: string
  const clients: Client[] = []

  beforeAll(async () => {
    // realpath: the server resolves symlinks (macOS /tmp), the policy must name the same path.
    base = await realpath(await tempDir())
    data = join(base, 'data')
    await mkdir(join(data, 'plans'), { recursive: true })
    await writeFile(join(data, 'notes.txt'), 'hello from the data directory\n')
    await writeFile(join(data, 'plans', 'q3.md'), '# Q3\nship the proxy\n')
    await writeFile(join(base, 'secret.txt'), 'outside the fence\n')
    // The shipped policy, with /data/** moved to the temp data directory.
    const shipped = await readFile(SHIPPED_POLICY, 'utf8')
    const policy = shipped.replaceAll('"/data/**"', JSON.stringify(`${data}/**`))
    expect(policy).not.toBe(shipped)
    started = await startTestProxy(
      {
        upstreams: { fs: { command: process.execPath, args: [FS_SERVER, data] } },
        demo_keys: [
          { user_id: 'rita', roles: ['reader'] },
          { user_id: 'wanda', roles: ['writer'] },
          { user_id: 'rob', roles: ['reader'] },
        ],
        audit: { file: 'audit.jsonl' },
      },
      policy,
    )
    url = started.proxy.url!
  })

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await started?.proxy.close()
  })

  async function as(user: string): Promise<Client> {
    const client = await httpClient(url, { 'x-api-key': started.key(user) })
    clients.push(client)
    return client
  }

  async function auditRecord(decisionId: string): Promise<AuditLine | undefined> {
    const text = await readFile(join(started.dir, 'audit.jsonl'), 'utf8')
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditLine)
    return records.find((r) => r.decision_id === decisionId)
  }

  /** The server-filesystem processes serving this test's data directory. */
  async function serverPids(): Promise<number[]> {
    const { stdout } = await run('ps', ['-eo', 'pid=,args='])
    return stdout
      .split('\n')
      .filter((line) => line.includes(FS_SERVER) && line.includes(data))
      .map((line) => Number(line.trim().split(/\s+/, 1)[0]))
  }

  it('lists the read-only tools to a reader and the writing tools too to a writer', async () => {
    const reader = await as('rita')
    const writer = await as('wanda')
    const readerTools = (await reader.listTools()).tools.map((t) => t.name)
    const writerTools = (await writer.listTools()).tools.map((t) => t.name)
    expect([...readerTools].sort()).toEqual([...READ_TOOLS].sort())
    expect([...writerTools].sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort())
  })

  it('relays an allowed read and returns the real file content', async () => {
    const reader = await as('rita')
    const read = await reader.callTool({
      name: 'read_text_file',
      arguments: { path: join(data, 'notes.txt') },
    })
    expect(read.isError).toBeFalsy()
    expect(textOf(read)).toBe('hello from the data directory\n')
    const listed = await reader.callTool({ name: 'list_directory', arguments: { path: data } })
    expect(textOf(listed)).toContain('[FILE] notes.txt')
    expect(textOf(listed)).toContain('[DIR] plans')
  })

  it('refuses a path outside the data directory by policy, before the server sees it', async () => {
    const reader = await as('rita')
    for (const path of [join(base, 'secret.txt'), `${data}/../secret.txt`, 'secret.txt']) {
      const denied = await reader.callTool({ name: 'read_text_file', arguments: { path } })
      expect(denied.isError).toBe(true)
      // The proxy's refusal, not server-filesystem's "Access denied - path outside…".
      expect(textOf(denied)).toMatch(/^mcp-warden denied this call/)
      expect(textOf(denied)).not.toContain('outside the fence')
      const id = DECISION_ID.exec(textOf(denied))?.[1]
      expect(await auditRecord(id!)).toMatchObject({ effect: 'deny', rule: 'paths_stay_in_data' })
    }
  })

  it("hides write_file from a reader and refuses its call with a decision id and no rule's name", async () => {
    const reader = await as('rita')
    const names = (await reader.listTools()).tools.map((t) => t.name)
    expect(names).not.toContain('write_file')
    const target = join(data, 'by-reader.txt')
    const denied = await reader.callTool({
      name: 'write_file',
      arguments: { path: target, content: 'nope' },
    })
    expect(denied.isError).toBe(true)
    const text = textOf(denied)
    const id = DECISION_ID.exec(text)?.[1]
    expect(id).toBeDefined()
    expect(text).not.toMatch(/writers_|readers_|paths_stay|filesystem/)
    expect(await auditRecord(id!)).toMatchObject({ effect: 'deny', target: { tool: 'write_file' } })
    expect(existsSync(target)).toBe(false)
  })

  it("turns a writer's write_file into a denial that asks for approval, and writes nothing", async () => {
    const writer = await as('wanda')
    const target = join(data, 'by-writer.txt')
    const denied = await writer.callTool({
      name: 'write_file',
      arguments: { path: target, content: 'draft' },
    })
    expect(denied.isError).toBe(true)
    expect(textOf(denied)).toMatch(/approval/)
    const id = DECISION_ID.exec(textOf(denied))?.[1]
    expect(await auditRecord(id!)).toMatchObject({
      effect: 'escalate',
      rule: 'writers_change_files',
    })
    expect(existsSync(target)).toBe(false)
  })

  it('lets a writer preview an edit (dryRun) without approval and leaves the file as it was', async () => {
    const writer = await as('wanda')
    const path = join(data, 'notes.txt')
    const preview = await writer.callTool({
      name: 'edit_file',
      arguments: { path, edits: [{ oldText: 'hello', newText: 'goodbye' }], dryRun: true },
    })
    expect(preview.isError).toBeFalsy()
    expect(textOf(preview)).toContain('+goodbye from the data directory')
    expect(await readFile(path, 'utf8')).toBe('hello from the data directory\n')
  })

  it("refuses a second identity's request on the first identity's session with 403", async () => {
    const sessionId = await openSession(url, started.key('rita'))
    const hijack = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'x-api-key': started.key('rob'), 'mcp-session-id': sessionId },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'read_text_file', arguments: { path: join(data, 'notes.txt') } },
      }),
    })
    expect(hijack.status).toBe(403)
    expect(((await hijack.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'ERR_SESSION_IDENTITY_CHANGED',
    )
  })

  it('starts a new server process for the next call after the upstream is killed', async () => {
    const before = new Set(await serverPids())
    const reader = await as('rita')
    const path = join(data, 'plans', 'q3.md')
    expect(textOf(await reader.callTool({ name: 'read_text_file', arguments: { path } }))).toBe(
      '# Q3\nship the proxy\n',
    )
    const mine = (await serverPids()).filter((pid) => !before.has(pid))
    expect(mine).toHaveLength(1)
    const exits = started.logs.filter((line) => line.includes('upstream fs exited')).length
    process.kill(mine[0]!, 'SIGKILL')
    // Wait (bounded) until the proxy has seen the exit, so the next call is not one in flight.
    for (let i = 0; i < 100; i++) {
      if (started.logs.filter((line) => line.includes('upstream fs exited')).length > exits) break
      await sleep(50)
    }
    const after = await reader.callTool({ name: 'read_text_file', arguments: { path } })
    expect(after.isError).toBeFalsy()
    expect(textOf(after)).toBe('# Q3\nship the proxy\n')
    const now = await serverPids()
    expect(now).not.toContain(mine[0])
    expect(now.filter((pid) => !before.has(pid))).toHaveLength(1)
  })
})
