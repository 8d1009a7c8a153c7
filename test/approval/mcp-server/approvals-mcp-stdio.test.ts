import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApprovalHarness, type ApprovalHarness } from '../client/approval-harness.js'
import { SEVEN_TOOLS, jsonOf, textOf } from './tool-json.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
// Inside the repository, so the compiled server resolves node_modules.
const OUT = join(ROOT, 'node_modules', '.cache', 'mcp-warden-approvals-mcp')
const ENTRY = join(OUT, 'src', 'approval', 'mcp-server', 'index.js')

describe('approvals MCP server over real stdio', () => {
  let harness: ApprovalHarness
  beforeAll(async () => {
    harness = await startApprovalHarness()
    await rm(OUT, { recursive: true, force: true })
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const args = [tsc, 'src/approval/mcp-server/index.ts', '--outDir', OUT, '--rootDir', '.']
    args.push('--module', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node')
    // Emits even when another module is mid-edit elsewhere; only the output matters here.
    await promisify(execFile)(process.execPath, args, { cwd: ROOT }).catch(() => undefined)
  }, 120_000)
  afterAll(() => harness.close())

  function spawnServer(env: Record<string, string>): StdioClientTransport {
    const run = `const m = await import(${JSON.stringify(pathToFileURL(ENTRY).href)}); await m.runApprovalsMcpServer()`
    return new StdioClientTransport({
      command: process.execPath,
      args: ['--input-type=module', '-e', run],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    })
  }

  it('lists the seven tools and runs request → TOTP approval → wait_for_approval', async () => {
    expect(existsSync(ENTRY)).toBe(true)
    const mcp = new Client({ name: 'stdio-test', version: '1' })
    await mcp.connect(spawnServer({ WARDEN_API_KEY: harness.apiKey, WARDEN_URL: harness.url }))
    try {
      const { tools } = await mcp.listTools()
      expect(tools.map((tool) => tool.name).sort()).toEqual(SEVEN_TOOLS)
      const pending = jsonOf(
        await mcp.callTool({
          name: 'request_approval',
          arguments: {
            action_type: 'purchase',
            title: 'Buy API credits',
            amount: 49.99,
            currency: 'USD',
          },
        }),
      )
      expect(pending.status).toBe('pending')
      const waiting = mcp.callTool({
        name: 'wait_for_approval',
        arguments: { request_id: pending.id, timeout_seconds: 30 },
      })
      await harness.approve(String(pending.id))
      const approved = jsonOf(await waiting)
      expect(approved).toMatchObject({
        status: 'approved',
        method: 'totp',
        resolved_by: harness.approverId,
        fingerprint: pending.fingerprint,
      })
    } finally {
      await mcp.close()
    }
  })

  it('fails tool calls clearly when the service cannot be reached', async () => {
    const mcp = new Client({ name: 'stdio-test', version: '1' })
    await mcp.connect(spawnServer({ WARDEN_API_KEY: 'wk_x', WARDEN_URL: 'http://127.0.0.1:9' }))
    try {
      const result = await mcp.callTool({
        name: 'check_approval',
        arguments: { request_id: 'apr_x' },
      })
      expect(result.isError).toBe(true)
      expect(textOf(result)).toContain('ERR_APPROVAL_BACKEND_UNAVAILABLE')
    } finally {
      await mcp.close()
    }
  })
})
