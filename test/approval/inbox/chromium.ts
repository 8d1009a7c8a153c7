import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Page,
} from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * Whether the Chromium tests run here: Debian's chromium must exist; without it they skip
 * with a visible message, except under CI, where its absence is a failure.
 */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error(`${suite}: ${CHROMIUM} is missing and CI is set`)
  console.warn(`SKIPPED ${suite}: ${CHROMIUM} is not installed (apt-get install chromium)`)
  return false
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

/** A profile on disk: Chromium does not offer installation in an incognito-like context. */
export function launchPersistentChromium(
  userDataDir: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport,
  })
}

export interface VirtualAuthenticator {
  cdp: CDPSession
  authenticatorId: string
  setUserVerified(verified: boolean): Promise<void>
  credentialCount(): Promise<number>
}

/** A CTAP2 platform authenticator with user verification, bound to this page (CDP WebAuthn). */
export async function addVirtualAuthenticator(
  context: BrowserContext,
  page: Page,
  isUserVerified = true,
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified,
      automaticPresenceSimulation: true,
    },
  })
  return {
    cdp,
    authenticatorId,
    setUserVerified: async (verified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: verified })
    },
    credentialCount: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  }
}

/** Serves a Hono app on 127.0.0.1 port 0; the browser reaches it as http://localhost:PORT. */
export async function serveOnLocalhost(
  app: Hono,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(getRequestListener((request) => app.fetch(request)))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
