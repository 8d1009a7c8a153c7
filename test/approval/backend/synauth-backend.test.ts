import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import type { ApprovalBackend } from '../../../src/approval/backend/approval-backend.js'
import { escalationRequestFor } from '../../../src/approval/backend/escalation-request.js'
import { createHttpApprovalBackend } from '../../../src/approval/backend/http-approval-backend.js'
import { fingerprint } from '../../../src/approval/fingerprint.js'
import { startSynauthServer, type SynauthServer } from '../../fixtures/synauth/synauth-server.js'
import { approvalBackendContract, transferEscalation } from './contract.js'

const synauthBackend = (
  server: SynauthServer,
  extra: Partial<Parameters<typeof createHttpApprovalBackend>[0]> = {},
): ApprovalBackend =>
  createHttpApprovalBackend({
    flavor: 'synauth',
    baseUrl: server.url,
    apiKey: server.apiKey,
    pollIntervalMs: 20,
    ...extra,
  })

approvalBackendContract('http, flavor synauth (local SynAuth API)', async () => {
  const server = await startSynauthServer()
  return {
    backend: synauthBackend(server),
    approve: async (approval) => server.approve(approval.id),
    deny: async (approval, reason) => server.deny(approval.id, reason),
    expire: async (approval) => server.expire(approval.id),
    async unreachable() {
      const doomed = await startSynauthServer()
      const backend = synauthBackend(doomed)
      const approval = await backend.create(transferEscalation())
      await doomed.close()
      return { backend, approval }
    },
    close: () => server.close(),
  }
})

describe('the SynAuth flavor', () => {
  let server: SynauthServer
  beforeAll(async () => {
    server = await startSynauthServer()
  })
  afterAll(async () => {
    await server?.close()
  })

  it('sends only the documented fields, and the exact parameters in the description', async () => {
    const request = transferEscalation(750)
    const approval = await synauthBackend(server).create(request)
    const stored = server.actions.get(approval.id)!
    const hash = canonicalDigest(request.parameters)
    expect(stored).toMatchObject({
      action_type: 'purchase',
      title: request.title,
      risk_level: 'high',
      amount: 750,
      status: 'pending',
    })
    expect(request.title).toMatch(/^Transfer 750 to alice-\d+@example\.com$/)
    expect(stored.description).toContain(`Fingerprint ${fingerprint(hash)}`)
    expect(stored.description).toContain('Amount 750 USD')
    const json = stored.description!.split('\n').at(-1)!
    expect(canonicalDigest(JSON.parse(json))).toBe(hash)
    expect(approval.content_hash).toBe(hash)
  })

  it('polls GET /api/v1/actions/{id} until the approver decides', async () => {
    const backend = synauthBackend(server, { pollIntervalMs: 30 })
    const approval = await backend.create(transferEscalation())
    const before = server.hits.get('GET /api/v1/actions/{id}') ?? 0
    const waiting = backend.wait(approval.id, 20_000)
    await new Promise((done) => setTimeout(done, 200))
    server.approve(approval.id)
    expect((await waiting).status).toBe('approved')
    expect(server.hits.get('GET /api/v1/actions/{id}')! - before).toBeGreaterThan(1)
  })

  it('keeps its poll interval across back-to-back waits', async () => {
    const backend = synauthBackend(server, { pollIntervalMs: 60_000 })
    const approval = await backend.create(transferEscalation())
    const before = server.hits.get('GET /api/v1/actions/{id}') ?? 0
    for (let i = 0; i < 3; i++) expect((await backend.wait(approval.id, 20)).status).toBe('pending')
    expect(server.hits.get('GET /api/v1/actions/{id}')! - before).toBe(1)
  })

  it('expires a request at its own timeout while SynAuth still says pending', async () => {
    const clock = { now: Date.parse('2026-11-23T12:00:00Z') }
    const backend = synauthBackend(server, { now: () => clock.now })
    const approval = await backend.create(transferEscalation())
    clock.now += 301_000
    expect(server.actions.get(approval.id)!.status).toBe('pending')
    expect((await backend.wait(approval.id, 20_000)).status).toBe('expired')
    server.approve(approval.id)
    await expect(backend.claim(approval.id, approval.content_hash)).rejects.toMatchObject({
      code: 'ERR_APPROVAL_EXPIRED',
    })
  })

  it('keeps single use in the creating process: another process cannot claim', async () => {
    const proxyA = synauthBackend(server)
    const proxyB = synauthBackend(server)
    const approval = await proxyA.create(transferEscalation())
    server.approve(approval.id)
    await expect(proxyB.claim(approval.id, approval.content_hash)).rejects.toMatchObject({
      code: 'ERR_APPROVAL_NOT_FOUND',
    })
    expect((await proxyA.claim(approval.id, approval.content_hash)).status).toBe('executed')
  })

  it('refuses parameters too long to show in full rather than cut them', async () => {
    const before = server.actions.size
    const backend = synauthBackend(server, { maxDescriptionLength: 400 })
    const args = { body: 'x'.repeat(500) }
    const request = escalationRequestFor({
      approval: {},
      rule: 'mail',
      policyVersion: 'v1',
      tool: 'send_mail',
      args,
      parameters: { server: 'mail', tool: 'send_mail', arguments: args, principal: {} },
      createdBy: 'anonymous',
    })
    await expect(backend.create(request)).rejects.toMatchObject({ code: 'ERR_APPROVAL_INVALID' })
    expect(server.actions.size).toBe(before)
  })

  it('writes invisible and direction-changing characters as escapes', async () => {
    const args = { to: 'eve\u202Egpj.exe', note: 'a\u200Bb' }
    const request = escalationRequestFor({
      approval: { title: 'Send to {tool.args.to}' },
      rule: 'mail',
      policyVersion: 'v1',
      tool: 'send_mail',
      args,
      parameters: { server: 'mail', tool: 'send_mail', arguments: args, principal: {} },
      createdBy: 'anonymous',
    })
    const approval = await synauthBackend(server).create(request)
    const description = server.actions.get(approval.id)!.description!
    expect(description).not.toMatch(/[\u202E\u200B]/)
    expect(description).toContain('eve\\u202egpj.exe')
    expect(canonicalDigest(JSON.parse(description.split('\n').at(-1)!))).toBe(approval.content_hash)
    expect(server.actions.get(approval.id)!.title).toBe('Send to evegpj.exe')
  })

  it('takes a status SynAuth does not document as the backend being unusable', async () => {
    const backend = synauthBackend(server)
    const approval = await backend.create(transferEscalation())
    Object.assign(server.actions.get(approval.id)!, { status: 'on_hold' })
    await expect(backend.get(approval.id)).rejects.toMatchObject({
      code: 'ERR_APPROVAL_BACKEND_UNAVAILABLE',
    })
  })

  it('takes a refused API key as the backend being unavailable', async () => {
    const backend = synauthBackend(server, { apiKey: 'aa_wrong' })
    await expect(backend.create(transferEscalation())).rejects.toMatchObject({
      code: 'ERR_APPROVAL_BACKEND_UNAVAILABLE',
    })
  })
})
