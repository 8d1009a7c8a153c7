/** Browser module /js/push.js: service worker registration and the Web Push subscription. */
export const PUSH_JS = String.raw`
import { api } from './api.js'
import { base64urlToBuffer } from './webauthn.js'

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return undefined
  try {
    return await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  } catch (error) {
    console.warn('service worker not registered', error)
    return undefined
  }
}

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

/** 'subscribed', 'available' (can ask), 'blocked' or 'unsupported'. */
export async function pushState() {
  if (!pushSupported()) return 'unsupported'
  if (Notification.permission === 'denied') return 'blocked'
  const registration = await navigator.serviceWorker.ready
  const existing = await registration.pushManager.getSubscription()
  return existing && Notification.permission === 'granted' ? 'subscribed' : 'available'
}

/** Asks for permission (call from a click), subscribes with the server's VAPID key, stores it. */
export async function subscribeToPush() {
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') throw new Error('notifications were not allowed')
  const registration = await navigator.serviceWorker.ready
  const { key } = await api('GET', '/api/v1/push/vapid-public-key')
  let subscription = await registration.pushManager.getSubscription()
  if (subscription) {
    const current = subscription.options && subscription.options.applicationServerKey
    const same = current && new Uint8Array(current).join() === new Uint8Array(base64urlToBuffer(key)).join()
    if (!same) {
      await subscription.unsubscribe()
      subscription = null
    }
  }
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64urlToBuffer(key),
    })
  }
  await api('POST', '/api/v1/push/subscriptions', subscription.toJSON())
  return subscription
}

/** Calls onRequest(id) when the service worker relays a push while a page is open. */
export function onPushMessage(onRequest) {
  if (!('serviceWorker' in navigator)) return
  navigator.serviceWorker.addEventListener('message', (event) => {
    const data = event.data
    if (data && data.type === 'approval-requested') onRequest(String(data.id || ''))
  })
}
`
