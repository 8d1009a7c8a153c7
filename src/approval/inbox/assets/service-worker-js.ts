/**
 * The service worker /sw.js: shows a notification for each pushed request (payload: id, title,
 * fingerprint) and opens or focuses /actions/:id when it is tapped.
 */
export const SERVICE_WORKER_JS = String.raw`
self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting())
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

function readPayload(event) {
  try {
    const data = event.data ? event.data.json() : {}
    return data && typeof data === 'object' ? data : {}
  } catch (error) {
    return {}
  }
}

self.addEventListener('push', (event) => {
  const data = readPayload(event)
  const id = typeof data.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(data.id) ? data.id : ''
  const title = typeof data.title === 'string' && data.title ? data.title.slice(0, 140) : 'An agent is waiting for approval'
  const fingerprint = typeof data.fingerprint === 'string' ? data.fingerprint.slice(0, 24) : ''
  const url = id ? '/actions/' + id : '/'
  event.waitUntil((async () => {
    await self.registration.showNotification('Approval needed', {
      body: title + (fingerprint ? '\nFingerprint ' + fingerprint : ''),
      tag: id || 'warden-approval',
      renotify: true,
      requireInteraction: true,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      vibrate: [200, 100, 200, 100, 200],
      data: { url },
    })
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    for (const client of windows) client.postMessage({ type: 'approval-requested', id })
  })())
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const path = event.notification.data && typeof event.notification.data.url === 'string' ? event.notification.data.url : '/'
  const target = new URL(path, self.location.origin)
  if (target.origin !== self.location.origin) return
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    for (const client of windows) {
      if (client.url === target.href && 'focus' in client) return client.focus()
    }
    for (const client of windows) {
      if ('navigate' in client && 'focus' in client) {
        try {
          const navigated = await client.navigate(target.href)
          if (navigated) return navigated.focus()
        } catch (error) {
          // an uncontrolled window cannot be navigated; open a new one below
        }
      }
    }
    return self.clients.openWindow(target.href)
  })())
})
`
