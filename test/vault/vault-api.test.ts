import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startApprovalHarness } from '../approval/http/approval-harness.js'
import { loadVaultKey } from '../../src/vault/vault-key.js'
import { fakeResolver } from './https-target.js'
import { SECRET } from './vault-fixtures.js'
import { startVaultHarness, type VaultHarness, type View } from './vault-harness.js'

describe('vault API: execute_api_call over HTTP', () => {
  let v: VaultHarness
  beforeAll(async () => {
    const { resolve } = fakeResolver({
      'api.test.example': ['127.0.0.1'],
      'internal.test.example': ['10.20.30.40'],
    })
    v = await startVaultHarness({ testing: { resolve } })
  })
  afterAll(async () => {
    await v?.close()
  })
  beforeEach(() => {
    v.target.received.length = 0
  })

  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string } }).error

  it('lists the services without their secrets', async () => {
    const response = await v.call('/vault/services')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      services: [
        {
          service_name: 'api',
          auth_type: 'bearer',
          allowed_hosts: [
            `api.test.example:${v.target.port}`,
            `internal.test.example:${v.target.port}`,
          ],
          description: 'The test API',
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ],
    })
  })

  it('asks approval for exactly the call, then runs the stored call once', async () => {
    const created = await v.request({
      service_name: 'api',
      method: 'POST',
      url: `${v.base}/repos`,
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"new-project","private":true}',
      description: "Create private repo 'new-project'",
    })
    expect(created).toMatchObject({
      status: 'pending',
      action_type: 'system',
      title: "Create private repo 'new-project'",
      parameters: {
        kind: 'vault_call',
        service: 'api',
        method: 'POST',
        url: `${v.base}/repos`,
        headers: { 'Content-Type': 'application/json' },
        body: '{"name":"new-project","private":true}',
      },
    })
    expect(Object.keys(created.parameters as object).sort()).toEqual([
      'body',
      'headers',
      'kind',
      'method',
      'service',
      'url',
    ])
    // Not approved yet: nothing runs.
    const early = await v.execute(created.id)
    expect(early.status).toBe(409)
    expect((await errorOf(early)).code).toBe('ERR_APPROVAL_NOT_APPROVED')
    expect(v.target.received).toEqual([])

    await v.approve(created.id)
    // Whatever the execute request says, the stored call is what runs.
    const executed = await v.execute(created.id, {
      method: 'DELETE',
      url: `${v.base}/everything`,
      headers: { 'X-Other': '1' },
      body: 'changed',
    })
    expect(executed.status).toBe(200)
    const result = (await executed.json()) as {
      status: string
      request_id: string
      fingerprint: string
      response: { status_code: number; headers: Record<string, string>; body: string }
    }
    expect(result).toMatchObject({
      status: 'executed',
      request_id: created.id,
      fingerprint: created.fingerprint,
      response: { status_code: 200, headers: { 'content-type': 'application/json' } },
    })
    expect(v.target.received).toHaveLength(1)
    expect(v.target.received[0]).toMatchObject({
      method: 'POST',
      path: '/repos',
      body: '{"name":"new-project","private":true}',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    })
    expect(v.target.received[0]!.headers['x-other']).toBeUndefined()
    // The echo held the credential: the agent gets it masked.
    expect(result.response.body).toContain('"authorization":"[REDACTED]"')

    const again = await v.execute(created.id)
    expect(again.status).toBe(409)
    expect((await errorOf(again)).code).toBe('ERR_APPROVAL_ALREADY_EXECUTED')
    expect(v.target.received).toHaveLength(1)
    const view = (await (await v.call(`/actions/${created.id}`)).json()) as View
    expect(view).toMatchObject({ status: 'executed', execution_result: 'succeeded' })
    const events = (await v.store.listEvents(created.id)).map((event) => event.event)
    expect(events).toEqual(['requested', 'approved', 'executed', 'execution_succeeded'])
  })

  it('makes exactly one HTTP call when 100 executes of one approval race', async () => {
    const created = await v.request({ service_name: 'api', method: 'GET', url: `${v.base}/race` })
    expect(created.action_type).toBe('data_access')
    await v.approve(created.id)
    const responses = await Promise.all(Array.from({ length: 100 }, () => v.execute(created.id)))
    const statuses = responses.map((response) => response.status)
    expect(statuses.filter((status) => status === 200)).toHaveLength(1)
    expect(statuses.filter((status) => status === 409)).toHaveLength(99)
    expect(v.target.received.map((each) => each.path)).toEqual(['/race'])
  })

  it('refuses, before any approver is asked, calls the vault would never make', async () => {
    const refusals: [Record<string, unknown>, number, string, RegExp][] = [
      [
        { service_name: 'nope', method: 'GET', url: `${v.base}/` },
        422,
        'ERR_APPROVAL_INVALID',
        /no credential named nope/,
      ],
      [
        { service_name: 'api', method: 'GET', url: `http://api.test.example:${v.target.port}/` },
        403,
        'ERR_HOST_NOT_ALLOWED',
        /https URLs only/,
      ],
      [
        { service_name: 'api', method: 'GET', url: 'https://evil.example/' },
        403,
        'ERR_HOST_NOT_ALLOWED',
        /not an allowed host/,
      ],
      [
        {
          service_name: 'api',
          method: 'GET',
          url: `${v.base}/`,
          headers: { Authorization: 'Bearer x' },
        },
        422,
        'ERR_APPROVAL_INVALID',
        /credential's header/,
      ],
      [
        { service_name: 'api', method: 'GET', url: `${v.base}/`, headers: { 'X-A': 'a\r\nB: c' } },
        422,
        'ERR_APPROVAL_INVALID',
        /control characters/,
      ],
      [
        {
          service_name: 'api',
          method: 'GET',
          url: `https://user:pw@api.test.example:${v.target.port}/`,
        },
        422,
        'ERR_APPROVAL_INVALID',
        /user name or password/,
      ],
      [
        { service_name: 'api', method: 'GET', url: `${v.base}/`, body: 'x' },
        422,
        'ERR_APPROVAL_INVALID',
        /GET takes no body/,
      ],
      [
        { service_name: 'api', method: 'TRACE', url: `${v.base}/` },
        422,
        'ERR_APPROVAL_INVALID',
        /^method: /,
      ],
      [
        { method: 'GET', url: `${v.base}/` },
        422,
        'ERR_APPROVAL_INVALID',
        /service_name: is required/,
      ],
    ]
    const before = ((await (await v.call('/actions')).json()) as { actions: unknown[] }).actions
      .length
    for (const [body, status, code, message] of refusals) {
      const response = await v.call('/vault/execute', {
        method: 'POST',
        body: JSON.stringify(body),
      })
      expect(response.status, JSON.stringify(body)).toBe(status)
      expect(await errorOf(response)).toMatchObject({
        code,
        message: expect.stringMatching(message),
      })
    }
    const after = ((await (await v.call('/actions')).json()) as { actions: unknown[] }).actions
      .length
    expect(after).toBe(before)
  })

  it('answers 422 for an approved request that is not a vault call, and leaves it unused', async () => {
    const response = await v.call('/actions', {
      method: 'POST',
      body: JSON.stringify({ action_type: 'communication', title: 'Send a note' }),
    })
    const created = (await response.json()) as View
    await v.approve(created.id)
    const executed = await v.execute(created.id)
    expect(executed.status).toBe(422)
    expect(await errorOf(executed)).toMatchObject({
      code: 'ERR_APPROVAL_INVALID',
      message: `approval request ${created.id} is not a vault call`,
    })
    const view = (await (await v.call(`/actions/${created.id}`)).json()) as View
    expect(view.status).toBe('approved')
  })

  it('checks a vault call stored through the generic API as strictly before it runs', async () => {
    const response = await v.call('/actions', {
      method: 'POST',
      body: JSON.stringify({
        action_type: 'data_access',
        title: 'Sneaky',
        parameters: {
          kind: 'vault_call',
          service: 'api',
          method: 'GET',
          url: `${v.base}/`,
          headers: { 'x-forwarded-for': '1', Host: 'evil.example' },
          body: null,
        },
      }),
    })
    const created = (await response.json()) as View
    await v.approve(created.id)
    const executed = await v.execute(created.id)
    expect(executed.status).toBe(422)
    expect((await errorOf(executed)).message).toMatch(/headers."Host": may not be set/)
    expect(v.target.received).toEqual([])
  })

  it('refuses a host that resolves to a private address at execution, and records the failure', async () => {
    const created = await v.request({
      service_name: 'api',
      method: 'GET',
      url: `https://internal.test.example:${v.target.port}/admin`,
    })
    await v.approve(created.id)
    const executed = await v.execute(created.id)
    expect(executed.status).toBe(403)
    expect(await errorOf(executed)).toEqual({
      code: 'ERR_HOST_NOT_ALLOWED',
      message: 'the vault refuses to connect: internal.test.example resolves to a private address',
    })
    expect(v.target.received).toEqual([])
    const view = (await (await v.call(`/actions/${created.id}`)).json()) as View
    expect(view).toMatchObject({ status: 'executed', execution_result: 'failed' })
  })

  it("hides another agent's request and will not run it", async () => {
    const created = await v.request({ service_name: 'api', method: 'GET', url: `${v.base}/mine` })
    await v.approve(created.id)
    const stranger = await v.h.agentKey('stranger')
    const response = await v.execute(created.id, {}, stranger)
    expect(response.status).toBe(404)
    expect(v.target.received).toEqual([])
  })
})

describe('vault API without a vault', () => {
  it('answers 501 ERR_VAULT_NOT_CONFIGURED on all three routes until a key exists, then serves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-no-vault-'))
    const h = await startApprovalHarness({ secretKeyFile: join(dir, 'secret.key') })
    try {
      const agent = h.agent(await h.agentKey())
      for (const [path, method] of [
        ['/vault/services', 'GET'],
        ['/vault/execute', 'POST'],
        ['/vault/execute/apr_x', 'POST'],
      ] as const) {
        const response = await agent(path, { method, ...(method === 'POST' ? { body: '{}' } : {}) })
        expect(response.status).toBe(501)
        expect(await response.json()).toMatchObject({ error: { code: 'ERR_VAULT_NOT_CONFIGURED' } })
      }
      // `warden vault add` creates the key beside the secret key; no restart needed.
      await loadVaultKey({ file: join(dir, 'vault.key'), env: {} })
      const response = await agent('/vault/services')
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ services: [] })
    } finally {
      await h.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('uses WARDEN_VAULT_KEY, and no vault at all with vault: false', async () => {
    const env = { WARDEN_VAULT_KEY: randomBytes(32).toString('hex') }
    const keyed = await startApprovalHarness({ env })
    try {
      const response = await keyed.agent(await keyed.agentKey())('/vault/services')
      expect(response.status).toBe(200)
    } finally {
      await keyed.close()
    }
    const off = await startApprovalHarness({ env, vault: false })
    try {
      const response = await off.agent(await off.agentKey())('/vault/services')
      expect(response.status).toBe(501)
    } finally {
      await off.close()
    }
  })
})
