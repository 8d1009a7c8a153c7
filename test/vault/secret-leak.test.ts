import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SECRET } from './vault-fixtures.js'
import { startVaultHarness, type VaultHarness } from './vault-harness.js'

/** Every form of the secret a leak could take. */
const FORMS = [
  SECRET,
  Buffer.from(SECRET).toString('base64'),
  Buffer.from(`bot:${SECRET}`).toString('base64'),
  encodeURIComponent(SECRET),
]

describe('the credential never leaves the vault', () => {
  let v: VaultHarness
  let output = ''

  beforeAll(async () => {
    v = await startVaultHarness({ maxResponseBytes: 8 * 1024, timeoutMs: 1000 })
    await v.vault.addCredential({
      name: 'basic',
      auth_type: 'basic',
      allowed_hosts: [`api.test.example:${v.target.port}`],
      secret: `bot:${SECRET}`,
    })
    await v.vault.addCredential({
      name: 'keyed',
      auth_type: 'header',
      header: 'X-Service-Token',
      allowed_hosts: [`api.test.example:${v.target.port}`],
      secret: SECRET,
    })
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream)
      vi.spyOn(stream, 'write').mockImplementation((chunk, ...rest) => {
        output += String(chunk)
        return write(chunk, ...(rest as []))
      })
    }
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await v?.close()
  })

  it('appears in no response, error, log line, store row or console output', async () => {
    const run = async (service: string, path: string, handler: typeof v.target.handler) => {
      v.target.handler = handler
      const created = await v.request({
        service_name: service,
        method: 'GET',
        url: `${v.base}${path}`,
      })
      await v.approve(created.id)
      const response = await v.execute(created.id)
      return { id: created.id, status: response.status }
    }
    const echoHeaders: typeof v.target.handler = (request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-echo': String(request.headers.authorization ?? request.headers['x-service-token']),
      })
      response.end(JSON.stringify(request.headers))
    }
    const outcomes = [
      await run('api', '/echo', echoHeaders),
      await run('basic', '/echo', echoHeaders),
      await run('keyed', '/echo', echoHeaders),
      await run('api', '/error', (request, response) => {
        response.writeHead(500, {
          'www-authenticate': `Bearer realm="${String(request.headers.authorization)}"`,
        })
        response.end(`bad token ${String(request.headers.authorization)}`)
      }),
      await run('api', '/redirect', (request, response) => {
        response.writeHead(302, {
          location: `https://evil.example/?t=${encodeURIComponent(String(request.headers.authorization))}`,
        })
        response.end()
      }),
      await run('api', '/big', (request, response) => {
        response.end(`${String(request.headers.authorization)}`.repeat(1000))
      }),
      await run('api', '/reset', (_request, response) => response.socket?.destroy()),
      await run('api', '/slow', () => {}),
    ]
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      200, 200, 200, 200, 200, 502, 502, 502,
    ])
    expect(v.target.received).toHaveLength(8)

    // The test API got the real credential each time: what follows is not vacuous.
    expect(v.target.received[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(v.seen.some((body) => body.includes('[REDACTED]'))).toBe(true)
    expect(v.logs).toHaveLength(8)

    const rows: string[] = []
    const db = new Database(v.store.location.replace(/^sqlite:/, ''), { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string
      }[]
      for (const { name } of tables)
        rows.push(JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()))
    } finally {
      db.close()
    }
    const events = await Promise.all(outcomes.map((outcome) => v.store.listEvents(outcome.id)))
    const haystacks = {
      responses: v.seen,
      logs: v.logs,
      rows,
      events: [JSON.stringify(events)],
      output: [output],
    }
    for (const [where, texts] of Object.entries(haystacks)) {
      for (const text of texts) {
        for (const form of FORMS)
          expect(text.includes(form), `${where} holds the secret: ${text.slice(0, 200)}`).toBe(
            false,
          )
      }
    }
  })
})
