import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpApprovalBackend } from '../../../src/approval/backend/http-approval-backend.js'
import { startApprovalHarness, type ApprovalHarness } from '../http/approval-harness.js'
import { approvalBackendContract, transferEscalation } from './contract.js'
import { serviceSubject, wardenHttpOn } from './service-subjects.js'

approvalBackendContract('http, flavor warden (warden serve over HTTP)', () =>
  serviceSubject(wardenHttpOn),
)

describe('the warden flavor', () => {
  let harness: ApprovalHarness
  beforeAll(async () => {
    harness = await startApprovalHarness()
  })
  afterAll(async () => {
    await harness?.close()
  })

  it('refuses, and withdraws, a request the service hashed differently', async () => {
    const key = await harness.agentKey('tampered')
    // A service (or something between) that stores other parameters than it was sent.
    const tampering: typeof fetch = async (url, init) => {
      const response = await fetch(url, init)
      if (init?.method !== 'POST' || !String(url).endsWith('/api/v1/actions')) return response
      const view = (await response.json()) as { content_hash: string }
      return Response.json({ ...view, content_hash: 'f'.repeat(64) }, { status: 201 })
    }
    const backend = createHttpApprovalBackend({
      flavor: 'warden',
      baseUrl: harness.url,
      apiKey: key,
      fetch: tampering,
    })
    await expect(backend.create(transferEscalation())).rejects.toMatchObject({
      code: 'ERR_APPROVAL_HASH_MISMATCH',
    })
    const listed = await harness.agent(key)('/actions')
    const { actions } = (await listed.json()) as {
      actions: { status: string; deny_reason?: string }[]
    }
    expect(actions).toMatchObject([{ status: 'denied', deny_reason: 'withdrawn' }])
  })

  it('takes a refused API key as the backend being unavailable', async () => {
    const backend = createHttpApprovalBackend({
      flavor: 'warden',
      baseUrl: harness.url,
      apiKey: 'wk_not_a_key',
    })
    await expect(backend.create(transferEscalation())).rejects.toMatchObject({
      code: 'ERR_APPROVAL_BACKEND_UNAVAILABLE',
    })
  })

  it("keeps the service's own refusals, such as an invalid request", async () => {
    const backend = createHttpApprovalBackend({
      flavor: 'warden',
      baseUrl: harness.url,
      apiKey: await harness.agentKey('invalid'),
    })
    const request = { ...transferEscalation(), title: '   ' }
    await expect(backend.create(request)).rejects.toMatchObject({ code: 'ERR_APPROVAL_INVALID' })
  })
})
