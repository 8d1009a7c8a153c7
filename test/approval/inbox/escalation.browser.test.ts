import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ApprovalRequest } from '../../../src/approval/approval-request.js'
import { fingerprint } from '../../../src/approval/fingerprint.js'
import { reverifyPasskeyEvidence } from '../../../src/approval/passkey/reverify-passkey-evidence.js'
import { textOf } from '../../mcp/harness.js'
import {
  addVirtualAuthenticator,
  chromiumAvailable,
  launchChromium,
  type VirtualAuthenticator,
} from './chromium.js'
import {
  PAYER,
  pendingRequestOf,
  startGuardedPayments,
  type GuardedPayments,
} from './escalation-browser-helpers.js'
import { enrolPasskey, noticeText, startInboxHarness, type InboxHarness } from './inbox-harness.js'

const enabled = chromiumAvailable('escalated MCP calls decided in the web inbox (Chromium)')

describe.skipIf(!enabled)('an escalated MCP call decided with a passkey in Chromium', () => {
  let harness: InboxHarness
  let browser: Browser
  let payments: GuardedPayments
  let client: Client
  let context: BrowserContext
  let page: Page
  let authenticator: VirtualAuthenticator
  let approvers = 0

  beforeAll(async () => {
    harness = await startInboxHarness()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })
  beforeEach(async () => {
    payments = await startGuardedPayments(harness.server.service)
    client = await payments.connect()
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    page = await context.newPage()
    authenticator = await addVirtualAuthenticator(context, page, true)
  })
  afterEach(async () => {
    await context?.close()
    await payments?.close()
  })

  /** Enrols a new approver's passkey; returns the approver's id. */
  async function enrolApprover(): Promise<string> {
    const name = `approver-${++approvers}`
    await enrolPasskey(harness, page, name)
    expect(await authenticator.credentialCount()).toBe(1)
    const approver = (await harness.server.service.store.listApprovers()).find(
      (a) => a.name === name,
    )
    return approver!.id
  }

  /** Opens the held request from the inbox list and checks it shows what the agent sent. */
  async function openHeldTransfer(): Promise<ApprovalRequest> {
    const held = await pendingRequestOf(harness.server.service, PAYER.user_id)
    expect(held.parameters).toEqual({
      server: 'payments',
      tool: 'transfer_funds',
      arguments: { amount: 250, recipient: 'acme' },
      principal: { user_id: 'pat', roles: ['payer'] },
    })
    await page.goto(`${harness.url}/`)
    await page.click(`a.card[data-id="${held.id}"]`)
    await page.waitForURL(`${harness.url}/actions/${held.id}`)
    await page.waitForSelector('#decide', { state: 'visible' })

    expect(await page.locator('#fingerprint').innerText()).toBe(fingerprint(held.content_hash))
    expect(await page.locator('#content-hash').innerText()).toBe(held.content_hash)
    expect(await page.locator('#title').innerText()).toBe('Transfer 250 to acme')
    expect(await page.locator('#fact-amount').innerText()).toMatch(/\b250\.00\b/)
    expect(await page.locator('#fact-recipient').innerText()).toBe('acme')
    const rows = await page
      .locator('#parameters tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.cells[0]?.innerText, tr.cells[1]?.innerText]))
    expect(rows).toEqual(
      expect.arrayContaining([
        ['tool', '"transfer_funds"'],
        ['arguments.amount', '250'],
        ['arguments.recipient', '"acme"'],
      ]),
    )
    return held
  }

  async function verifiedEvidence(request: ApprovalRequest, approverId: string) {
    expect(request.evidence?.method).toBe('passkey')
    if (request.evidence?.method !== 'passkey') throw new Error('no passkey evidence')
    const credential = await harness.server.service.store.getPasskey(request.evidence.credential_id)
    expect(credential?.approver_id).toBe(approverId)
    return { credential: credential!, checked: await reverifyPasskeyEvidence(request, credential!) }
  }

  it('holds the transfer until the approver approves it with a passkey, then runs exactly it, once', async () => {
    const approverId = await enrolApprover()
    const call = client.callTool(
      { name: 'transfer_funds', arguments: { amount: 250, recipient: 'acme' } },
      undefined,
      { resetTimeoutOnProgress: true },
    )
    const held = await openHeldTransfer()
    expect(payments.performed).toEqual([])

    await page.click('#approve-passkey')
    const result = await call
    expect(result.isError).toBeFalsy()
    expect(textOf(result)).toBe('sent 250 to acme')
    expect(payments.performed).toEqual([{ amount: 250, recipient: 'acme' }])
    await expect.poll(() => noticeText(page)).toMatch(/^Approved/)

    const stored = await harness.server.service.getRequest(held.id)
    expect(stored).toMatchObject({
      status: 'executed',
      method: 'passkey',
      resolved_by: approverId,
      rule: 'big_transfers',
      content_hash: held.content_hash,
    })
    // What `warden approvals verify` checks: the signature covers exactly these parameters.
    const { credential, checked } = await verifiedEvidence(stored, approverId)
    expect(checked).toEqual({ ok: true })
    const altered = {
      ...stored,
      parameters: {
        ...(held.parameters as object),
        arguments: { amount: 9000, recipient: 'acme' },
      },
    } as ApprovalRequest
    expect((await reverifyPasskeyEvidence(altered, credential)).ok).toBe(false)
  })

  it('runs nothing when the approver denies with a passkey, and tells the client the reason', async () => {
    const approverId = await enrolApprover()
    const call = client.callTool({
      name: 'transfer_funds',
      arguments: { amount: 250, recipient: 'acme' },
    })
    const held = await openHeldTransfer()

    await page.fill('#deny-reason', 'acme is not on the vendor list')
    await page.click('#deny-passkey')
    const result = await call
    expect(result.isError).toBe(true)
    expect(textOf(result)).toMatch(
      /the approver denied this call: acme is not on the vendor list \(ERR_APPROVAL_DENIED/,
    )
    await expect.poll(() => noticeText(page)).toMatch(/^Denied/)
    expect(payments.performed).toEqual([])

    const stored = await harness.server.service.getRequest(held.id)
    expect(stored).toMatchObject({
      status: 'denied',
      method: 'passkey',
      resolved_by: approverId,
      deny_reason: 'acme is not on the vendor list',
    })
    expect(stored.executed_at).toBeUndefined()
    expect((await verifiedEvidence(stored, approverId)).checked).toEqual({ ok: true })
  })
})
