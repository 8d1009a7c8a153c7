import { createHash } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { API_JS } from './assets/api-js.js'
import { APP_CSS } from './assets/app-css.js'
import { APP_JS } from './assets/app-js.js'
import { DETAIL_PAGE_JS } from './assets/detail-page-js.js'
import { DOM_JS } from './assets/dom-js.js'
import { ENROL_PAGE_JS } from './assets/enrol-page-js.js'
import { INBOX_PAGE_JS } from './assets/inbox-page-js.js'
import { LOGIN_PAGE_JS } from './assets/login-page-js.js'
import { PARAMETERS_JS } from './assets/parameters-js.js'
import { PUSH_JS } from './assets/push-js.js'
import { SERVICE_WORKER_JS } from './assets/service-worker-js.js'
import { WEBAUTHN_JS } from './assets/webauthn-js.js'
import { WEB_MANIFEST } from './assets/web-manifest.js'
import { ICON_SVG, iconPng } from './inbox-icons.js'
import { inboxPageHtml, type InboxPage } from './inbox-pages.js'
import { INBOX_SECURITY_HEADERS } from './inbox-security-headers.js'

const JS = 'text/javascript; charset=utf-8'

/** Browser modules under /js/, imported by /app.js. */
export const INBOX_MODULES: Readonly<Record<string, string>> = {
  'api.js': API_JS,
  'dom.js': DOM_JS,
  'webauthn.js': WEBAUTHN_JS,
  'parameters.js': PARAMETERS_JS,
  'push.js': PUSH_JS,
  'inbox-page.js': INBOX_PAGE_JS,
  'detail-page.js': DETAIL_PAGE_JS,
  'enrol-page.js': ENROL_PAGE_JS,
  'login-page.js': LOGIN_PAGE_JS,
}

interface Asset {
  body: string | Uint8Array
  type: string
  etag: string
  /** Pages are never cached (they follow the session); assets revalidate by ETag. */
  cache: string
}

function asset(body: string | Uint8Array, type: string, cache = 'no-cache'): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
  return { body, type, etag, cache }
}

/**
 * The web inbox: static page shells, the browser modules, the service worker, the web app
 * manifest and icons, each with the inbox security headers. Mounted beside the JSON API;
 * sets headers per response (no middleware), so it never touches the API's responses.
 */
export function inboxRoutes(): Hono {
  const app = new Hono()
  const pages: [string, InboxPage][] = [
    ['/', 'inbox'],
    ['/history', 'history'],
    ['/actions/:id', 'detail'],
    ['/enrol', 'enrol'],
    ['/login', 'login'],
  ]
  for (const [path, page] of pages) {
    const shell = asset(inboxPageHtml(page), 'text/html; charset=utf-8', 'no-store')
    app.get(path, (c) => send(c, shell))
  }
  const assets: [string, Asset][] = [
    ['/app.js', asset(APP_JS, JS)],
    ['/app.css', asset(APP_CSS, 'text/css; charset=utf-8')],
    ['/sw.js', asset(SERVICE_WORKER_JS, JS)],
    ['/manifest.webmanifest', asset(WEB_MANIFEST, 'application/manifest+json; charset=utf-8')],
    ['/icons/icon.svg', asset(ICON_SVG, 'image/svg+xml')],
    ['/icons/icon-192.png', asset(iconPng(192), 'image/png')],
    ['/icons/icon-512.png', asset(iconPng(512), 'image/png')],
    ...Object.entries(INBOX_MODULES).map(([name, body]): [string, Asset] => [
      `/js/${name}`,
      asset(body, JS),
    ]),
  ]
  for (const [path, entry] of assets) app.get(path, (c) => send(c, entry))
  return app
}

function send(c: Context, entry: Asset): Response {
  const headers = new Headers(INBOX_SECURITY_HEADERS)
  headers.set('Cache-Control', entry.cache)
  if (entry.cache !== 'no-store') headers.set('ETag', entry.etag)
  if (entry.cache !== 'no-store' && c.req.header('If-None-Match') === entry.etag) {
    return new Response(null, { status: 304, headers })
  }
  headers.set('Content-Type', entry.type)
  const body = typeof entry.body === 'string' ? entry.body : new Uint8Array(entry.body)
  return new Response(c.req.method === 'HEAD' ? null : body, { status: 200, headers })
}
