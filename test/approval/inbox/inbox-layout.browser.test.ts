import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalView } from '../../../src/approval/approval-view.js'
import { addVirtualAuthenticator, chromiumAvailable, launchChromium } from './chromium.js'
import { enrolPasskey, purchase, startInboxHarness, type InboxHarness } from './inbox-harness.js'

const enabled = chromiumAvailable('web inbox layout (Chromium)')
// Screenshots change the working tree, so only on request: WARDEN_SCREENSHOTS=1.
const IMAGES = process.env.WARDEN_SCREENSHOTS === '1' ? resolve('docs/img') : undefined

const REQUESTS = [
  purchase(),
  {
    action_type: 'system',
    title: 'Restart the production database primary',
    risk_level: 'critical',
    parameters: { cluster: 'pg-prod-eu1', node: 'primary', reason: 'apply kernel patch' },
  },
  {
    action_type: 'data_access',
    title: 'Export 12,400 customer records to CSV',
    recipient: 'analytics@example.com',
    parameters: { table: 'customers', columns: ['email', 'country', 'plan'], rows: 12400 },
  },
  {
    action_type: 'communication',
    title: 'Email the Q3 board deck to investors',
    recipient: 'investors@example.com',
    parameters: { to: ['investors@example.com'], attachment: 'q3-board-deck.pdf' },
  },
]

describe.skipIf(!enabled)('web inbox layout', () => {
  let harness: InboxHarness
  let browser: Browser
  let phone: BrowserContext
  let phonePage: Page
  let created: ApprovalView[]

  beforeAll(async () => {
    harness = await startInboxHarness()
    browser = await launchChromium()
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    phonePage = await phone.newPage()
    await addVirtualAuthenticator(phone, phonePage)
    await enrolPasskey(harness, phonePage, 'alice')
    created = []
    for (const request of REQUESTS) created.push(await harness.createAction(request))
  })
  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })

  async function pageWidthFits(page: Page, width: number): Promise<void> {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      width,
    )
  }

  async function capture(page: Page, name: string): Promise<void> {
    if (!IMAGES) return
    await mkdir(IMAGES, { recursive: true })
    await page.screenshot({ path: join(IMAGES, name), animations: 'disabled' })
  }

  it('lists every pending request on a 390 px phone screen without sideways scrolling', async () => {
    await phonePage.goto(`${harness.url}/`)
    await phonePage.waitForSelector('a.card')
    expect(await phonePage.locator('a.card').count()).toBe(REQUESTS.length)
    await pageWidthFits(phonePage, 390)
    await capture(phonePage, 'inbox-phone.png')
  })

  it('fits a request with its fingerprint and decisions on a phone screen', async () => {
    const action = created[0]!
    await phonePage.goto(`${harness.url}/actions/${action.id}`)
    await phonePage.waitForSelector('#decide', { state: 'visible' })
    await pageWidthFits(phonePage, 390)
    const fingerprint = await phonePage.locator('#fingerprint').boundingBox()
    expect(fingerprint!.y + fingerprint!.height).toBeLessThan(844)
    await capture(phonePage, 'inbox-detail-phone.png')
  })

  it('shows the same list in a desktop window', async () => {
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    try {
      await desktop.addCookies(await phone.cookies())
      const page = await desktop.newPage()
      await page.goto(`${harness.url}/`)
      await page.waitForSelector('a.card')
      expect(await page.locator('a.card').count()).toBe(REQUESTS.length)
      await pageWidthFits(page, 1280)
      await capture(page, 'inbox-desktop.png')
    } finally {
      await desktop.close()
    }
  })
})
