import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest'
import { inboxRoutes } from '../../../src/approval/inbox/inbox-routes.js'
import {
  chromiumAvailable,
  launchChromium,
  launchPersistentChromium,
  serveOnLocalhost,
} from './chromium.js'

const enabled = chromiumAvailable('inbox PWA (Chromium)')

// Browser-side code is passed as text: the project's TypeScript has no DOM library.
const WORKER_READY = 'navigator.serviceWorker.ready.then(() => undefined)'
const NOTIFICATIONS = `navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data, requireInteraction: n.requireInteraction,
  })))`

interface ShownNotification {
  title: string
  body: string
  tag: string
  data: { url: string }
  requireInteraction: boolean
}

describe.skipIf(!enabled)('inbox as an installable PWA in Chromium', () => {
  let browser: Browser
  let server: { url: string; close(): Promise<void> }
  let context: BrowserContext
  let page: Page
  let cspViolations: string[]

  beforeAll(async () => {
    browser = await launchChromium()
    server = await serveOnLocalhost(inboxRoutes())
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    page = await context.newPage()
    cspViolations = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
  })
  afterEach(async () => {
    await context.close()
  })

  async function openWithWorker(): Promise<void> {
    await page.goto(`${server.url}/login`)
    await page.evaluate(WORKER_READY)
  }

  it('passes Chromium installability checks with its manifest, icons and service worker', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'warden-chromium-'))
    const installed = await launchPersistentChromium(profile, { width: 390, height: 844 })
    try {
      const tab = installed.pages()[0] ?? (await installed.newPage())
      const violations: string[] = []
      tab.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
      })
      await tab.goto(`${server.url}/login`)
      await tab.evaluate(WORKER_READY)
      const cdp = await installed.newCDPSession(tab)
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
      expect(installabilityErrors).toEqual([])
      const { primaryIcon } = await cdp.send('Page.getManifestIcons')
      expect(primaryIcon).toBeTruthy()
      expect(violations).toEqual([])
    } finally {
      await installed.close()
      await rm(profile, { recursive: true, force: true })
    }
  })

  /** Delivers a push message to the page's service worker as a push service would. */
  async function push(data: unknown): Promise<ShownNotification[]> {
    const cdp = await context.newCDPSession(page)
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted)
        if (ours) resolve(ours.registrationId)
      })
    })
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url,
      registrationId: await registrationId,
      data: JSON.stringify(data),
    })
    await expect
      .poll(async () => (await page.evaluate<ShownNotification[]>(NOTIFICATIONS)).length)
      .toBeGreaterThan(0)
    return page.evaluate<ShownNotification[]>(NOTIFICATIONS)
  }

  it('shows a notification for a pushed request that opens its detail page', async () => {
    await context.grantPermissions(['notifications'], { origin: server.url })
    await openWithWorker()
    await page.evaluate(
      `window.seen = []; navigator.serviceWorker.addEventListener('message', (e) => seen.push(e.data))`,
    )
    const shown = await push({
      id: 'apr_Q2x9',
      title: 'Pay 120 EUR to Acme',
      fingerprint: '3FA9 0C12',
    })
    expect(shown).toEqual([
      {
        title: 'Approval needed',
        body: 'Pay 120 EUR to Acme\nFingerprint 3FA9 0C12',
        tag: 'apr_Q2x9',
        data: { url: '/actions/apr_Q2x9' },
        requireInteraction: true,
      },
    ])
    await expect
      .poll(() => page.evaluate('window.seen'))
      .toEqual([{ type: 'approval-requested', id: 'apr_Q2x9' }])
    expect(cspViolations).toEqual([])
  })

  it('never builds a link from a hostile id in the payload', async () => {
    await context.grantPermissions(['notifications'], { origin: server.url })
    await openWithWorker()
    const [shown] = await push({ id: '//evil.example/x', title: '<img src=x onerror=alert(1)>' })
    expect(shown!.data.url).toBe('/')
    expect(shown!.body).toBe('<img src=x onerror=alert(1)>')
  })
})
