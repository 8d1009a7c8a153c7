import { generate } from 'otplib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  addVirtualAuthenticator,
  chromiumAvailable,
  launchChromium,
  type VirtualAuthenticator,
} from './chromium.js'
import {
  enrolPasskey,
  noticeText,
  purchase,
  startInboxHarness,
  type InboxHarness,
} from './inbox-harness.js'

const enabled = chromiumAvailable('web inbox (Chromium)')

describe.skipIf(!enabled)('web inbox in Chromium', () => {
  let harness: InboxHarness
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let authenticator: VirtualAuthenticator
  let cspViolations: string[]
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
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    page = await context.newPage()
    authenticator = await addVirtualAuthenticator(context, page)
    cspViolations = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
  })
  afterEach(async () => {
    expect(cspViolations).toEqual([])
    await context.close()
  })

  const nextApprover = () => `approver-${++approvers}`

  async function openFromInbox(id: string): Promise<void> {
    await page.goto(`${harness.url}/`)
    await page.click(`a.card[data-id="${id}"]`)
    await page.waitForURL(`${harness.url}/actions/${id}`)
    await page.waitForSelector('#decide', { state: 'visible' })
  }

  it('enrols a passkey, approves a request from the inbox, and the agent sees it approved', async () => {
    expect(await enrolPasskey(harness, page, nextApprover())).toBe(`${harness.url}/enrol`)
    expect(await authenticator.credentialCount()).toBe(1)

    // A fresh sign-in with the passkey, as on a second visit.
    await page.click('#enrol-done a')
    await page.click('#sign-out')
    await page.waitForURL(`${harness.url}/login`)
    await page.click('#login-passkey')
    await page.waitForURL(`${harness.url}/`)

    const action = await harness.createAction(purchase())
    const waiting = harness.waitForAction(action.id, 60)
    await openFromInbox(action.id)
    expect(await page.locator('#fingerprint').innerText()).toBe(action.fingerprint)
    expect(action.fingerprint).toMatch(/^[0-9A-F]{4} [0-9A-F]{4}$/)
    expect(await page.locator('#title').innerText()).toBe(action.title)
    expect(await page.locator('#fact-recipient').innerText()).toBe('Acme GmbH')
    expect(await page.locator('#fact-amount').innerText()).toMatch(/1,249\.50/)
    expect(await page.locator('#content-hash').innerText()).toBe(action.content_hash)
    const rows = await page.locator('#parameters th').allInnerTexts()
    expect(rows).toEqual(expect.arrayContaining(['iban', 'lines[0].sku', 'lines[1].unit_price']))
    expect(await page.locator('#expires').innerText()).toMatch(/^in [45]:\d\d$/)

    expect(await page.locator('#approve-code').isVisible()).toBe(false)
    await page.click('#approve-passkey')
    await expect.poll(() => noticeText(page)).toMatch(/^Approved/)
    const resolved = await waiting
    expect(resolved).toMatchObject({ id: action.id, status: 'approved', method: 'passkey' })
    expect(await page.locator('#decide').isVisible()).toBe(false)

    await page.goto(`${harness.url}/history`)
    await expect(page.locator(`a.card[data-id="${action.id}"] .status`).innerText()).resolves.toBe(
      'approved',
    )
  })

  it('refuses the approval when the passkey does not verify the user', async () => {
    await enrolPasskey(harness, page, nextApprover())
    const action = await harness.createAction(purchase({ title: 'Renew the TLS certificate' }))
    await openFromInbox(action.id)
    await authenticator.setUserVerified(false)
    await page.click('#approve-passkey')
    // Chromium itself refuses: the options require user verification.
    await expect.poll(() => noticeText(page)).toMatch(/ERR_WEBAUTHN_CANCELLED/)
    expect((await harness.getAction(action.id)).status).toBe('pending')
  })

  it('refuses an assertion without user verification even from a client that did not ask for it', async () => {
    await enrolPasskey(harness, page, nextApprover())
    const action = await harness.createAction(purchase({ title: 'Delete the staging database' }))
    await openFromInbox(action.id)
    await authenticator.setUserVerified(false)
    // A tampered client: it asks the authenticator not to verify the user.
    await page.route('**/passkey-options', async (route) => {
      const response = await route.fetch()
      const options = (await response.json()) as Record<string, unknown>
      await route.fulfill({ response, json: { ...options, userVerification: 'discouraged' } })
    })
    await page.click('#approve-passkey')
    await expect.poll(() => noticeText(page)).toMatch(/ERR_PASSKEY_USER_NOT_VERIFIED/)
    expect((await harness.getAction(action.id)).status).toBe('pending')
  })

  it('refuses to approve a request whose stored parameters changed after display', async () => {
    await enrolPasskey(harness, page, nextApprover())
    const action = await harness.createAction(purchase())
    await openFromInbox(action.id)
    const shown = await page.locator('#fingerprint').innerText()
    const altered = {
      ...(action.parameters as Record<string, unknown>),
      iban: 'GB33 BUKB 2020 1555 5555 55',
    }
    harness.tamper(action.id, altered)

    await page.click('#approve-passkey')
    await expect
      .poll(() => noticeText(page))
      .toMatch(/changed after it was displayed.*ERR_APPROVAL_HASH_MISMATCH/)
    expect(await page.locator('#stale').isVisible()).toBe(true)
    expect(await page.locator('#decide').isVisible()).toBe(false)
    expect(await page.locator('#fingerprint').innerText()).toBe(shown)
    expect((await harness.getAction(action.id)).status).toBe('pending')
  })

  it('refuses a request whose parameters were edited without their hash', async () => {
    await enrolPasskey(harness, page, nextApprover())
    const action = await harness.createAction(purchase())
    await openFromInbox(action.id)
    harness.tamper(
      action.id,
      { ...(action.parameters as Record<string, unknown>), amount: 9999 },
      { keepHash: true },
    )
    await page.click('#approve-passkey')
    await expect.poll(() => noticeText(page)).toMatch(/ERR_APPROVAL_HASH_MISMATCH/)
    expect((await harness.getAction(action.id)).status).toBe('pending')
  })

  it('enrols an authenticator app from the QR code, signs in with a code and denies with a reason', async () => {
    const name = nextApprover()
    const { enrolment_url } = await harness.server.service.createApprover({ name })
    await page.goto(enrolment_url)
    await page.click('#totp-start')
    await page.waitForSelector('#totp-confirm', { state: 'visible' })
    const qrWidth = "document.getElementById('totp-qr').naturalWidth"
    await expect.poll(() => page.evaluate<number>(qrWidth)).toBeGreaterThan(0)
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '')
    const code = () => generate({ secret, epoch: Math.floor(harness.clock.now / 1000) })
    await page.fill('#totp-code', await code())
    await page.click('#totp-confirm-submit')
    await page.waitForSelector('#enrol-done', { state: 'visible' })

    harness.clock.now += 30_000
    await page.click('#enrol-done a')
    await page.click('#sign-out')
    await page.waitForURL(`${harness.url}/login`)
    await page.fill('#login-name', name)
    await page.fill('#login-code', await code())
    await page.click('#login-totp-submit')
    await page.waitForURL(`${harness.url}/`)

    harness.clock.now += 30_000
    const action = await harness.createAction(
      purchase({ title: 'Send 40 000 USD to an unknown payee' }),
    )
    await openFromInbox(action.id)
    expect(await page.locator('#approve-passkey').isVisible()).toBe(false)
    await page.fill('#deny-reason', 'Unknown payee <b>not</b> on the vendor list')
    await page.fill('#deny-code', await code())
    await page.click('#deny-code-submit')
    await expect.poll(() => noticeText(page)).toMatch(/^Denied/)
    expect(await harness.getAction(action.id)).toMatchObject({
      status: 'denied',
      method: 'totp',
      deny_reason: 'Unknown payee <b>not</b> on the vendor list',
    })
    await page.goto(`${harness.url}/history`)
    const card = page.locator(`a.card[data-id="${action.id}"]`)
    await expect(card.innerText()).resolves.toContain(
      'Reason: Unknown payee <b>not</b> on the vendor list',
    )
  })

  it('shows agent-written text as text, never as markup', async () => {
    await enrolPasskey(harness, page, nextApprover())
    const hostile = '<img src=x onerror="document.title=\'pwned\'"><script>alert(1)</script>'
    const action = await harness.createAction(
      purchase({
        title: hostile,
        description: hostile,
        recipient: hostile,
        parameters: { note: hostile, [hostile]: 'key', hidden: 'pay\u202Eevil\u200B' },
      }),
    )
    await openFromInbox(action.id)
    expect(await page.locator('#title').innerText()).toBe(hostile)
    expect(await page.locator('main img, main script').count()).toBe(0)
    expect(await page.title()).not.toBe('pwned')
    expect(await page.locator('#parameters tr.suspicious td').innerText()).toBe(
      '"pay\\u202eevil\\u200b"',
    )
    await page.goto(`${harness.url}/`)
    expect(await page.locator(`a.card[data-id="${action.id}"] .card-title`).innerText()).toBe(
      hostile,
    )
  })
})
