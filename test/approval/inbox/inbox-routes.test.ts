import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { INBOX_MODULES, inboxRoutes } from '../../../src/approval/inbox/inbox-routes.js'
import { INBOX_CSP } from '../../../src/approval/inbox/inbox-security-headers.js'

const run = promisify(execFile)
const PAGES = ['/', '/history', '/actions/apr_abc', '/enrol', '/login']
const SCRIPTS = ['/app.js', '/sw.js', ...Object.keys(INBOX_MODULES).map((name) => `/js/${name}`)]

const app = inboxRoutes()
const get = (path: string, headers?: Record<string, string>) =>
  app.request(`http://localhost${path}`, headers ? { headers } : {})

describe('inboxRoutes', () => {
  it('serves every page with the strict CSP, nosniff and no-referrer', async () => {
    for (const path of PAGES) {
      const response = await get(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('content-security-policy')).toBe(INBOX_CSP)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
    expect(INBOX_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'",
    )
  })

  it('has no inline script, inline style or event handler attribute in any page', async () => {
    for (const path of PAGES) {
      const html = await (await get(path)).text()
      const scripts = html.match(/<script\b[^>]*>/g) ?? []
      expect(scripts, path).toEqual(['<script type="module" src="/app.js">'])
      expect(html, path).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/)
      expect(html, path).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i)
    }
  })

  it('renders data only through textContent: no HTML sinks in the browser code', async () => {
    for (const path of SCRIPTS) {
      const code = await (await get(path)).text()
      expect(code, path).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc/,
      )
    }
  })

  it('serves browser code that parses (modules as modules, the worker as a script)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-inbox-js-'))
    try {
      for (const path of SCRIPTS) {
        const response = await get(path)
        expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
        expect(response.headers.get('content-security-policy')).toBe(INBOX_CSP)
        const file = join(dir, path.replace(/\//g, '_') + (path === '/sw.js' ? '.cjs' : '.mjs'))
        await writeFile(file, await response.text())
        await expect(run(process.execPath, ['--check', file]), path).resolves.toBeDefined()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('serves a manifest whose icons exist as square PNGs of the stated sizes', async () => {
    const response = await get('/manifest.webmanifest')
    expect(response.headers.get('content-type')).toMatch(/^application\/manifest\+json/)
    const manifest = (await response.json()) as {
      start_url: string
      display: string
      name: string
      icons: { src: string; sizes: string; type: string; purpose: string }[]
    }
    expect(manifest).toMatchObject({ start_url: '/', display: 'standalone' })
    const pngs = manifest.icons.filter((icon) => icon.type === 'image/png')
    expect(pngs.map((icon) => icon.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(manifest.icons.some((icon) => icon.purpose === 'maskable')).toBe(true)
    for (const icon of manifest.icons) {
      const image = await get(icon.src)
      expect(image.status, icon.src).toBe(200)
      expect(image.headers.get('content-type')).toBe(icon.type)
      if (icon.type !== 'image/png') continue
      const bytes = Buffer.from(await image.arrayBuffer())
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
      const size = `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`
      expect(size).toBe(icon.sizes)
    }
  })

  it('answers a matching If-None-Match with 304 for assets', async () => {
    const first = await get('/app.css')
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[\w-]{22}"$/)
    const second = await get('/app.css', { 'If-None-Match': etag! })
    expect(second.status).toBe(304)
    expect(second.headers.get('content-security-policy')).toBe(INBOX_CSP)
  })

  it('leaves the rest of the app alone when mounted at /', async () => {
    const parent = new Hono()
    parent.get('/api/v1/ping', (c) => c.json({ ok: true }))
    parent.route('/', inboxRoutes())
    const api = await parent.request('http://localhost/api/v1/ping')
    expect(api.headers.get('content-security-policy')).toBeNull()
    const page = await parent.request('http://localhost/actions/apr_x')
    expect(page.headers.get('content-security-policy')).toBe(INBOX_CSP)
    expect((await parent.request('http://localhost/nope')).status).toBe(404)
  })
})
