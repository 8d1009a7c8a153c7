/**
 * Browser module /js/dom.js: building nodes from data with textContent only, formatting,
 * notices and the header's session controls.
 */
export const DOM_JS = String.raw`
import { api, describeError } from './api.js'

/** createElement with attributes; children are nodes or strings (strings become text nodes). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'class') node.className = value
    else if (name === 'text') node.textContent = String(value)
    else node.setAttribute(name, String(value))
  }
  for (const child of children) {
    if (child !== undefined && child !== null && child !== false) node.append(child)
  }
  return node
}

export function byId(id) {
  return document.getElementById(id)
}

export function setText(id, text) {
  const node = byId(id)
  if (node) node.textContent = text === undefined || text === null ? '' : String(text)
  return node
}

export function show(id, visible) {
  const node = byId(id)
  if (node) node.hidden = !visible
}

export function showNotice(kind, message) {
  const node = byId('notice')
  if (!node) return
  node.className = 'notice ' + kind
  node.textContent = message
  node.hidden = false
  if (kind === 'error') node.focus({ preventScroll: false })
}

export function clearNotice() {
  show('notice', false)
}

export function showError(error) {
  showNotice('error', describeError(error))
}

export function formatAmount(amount, currency) {
  if (typeof amount !== 'number') return ''
  if (typeof currency === 'string' && /^[A-Za-z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(amount)
    } catch (error) {
      // an unknown ISO-like code falls through to the plain form
    }
  }
  return String(amount) + (currency ? ' ' + currency : '')
}

export function formatTime(iso) {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString()
}

/** "4:05", "1 h 12 min" or "expired"; the class marks the last minute. */
export function countdownText(expiresAt, now) {
  const left = Math.floor((new Date(expiresAt).getTime() - now) / 1000)
  if (!(left > 0)) return { text: 'expired', urgent: true, expired: true }
  if (left >= 3600) return { text: Math.floor(left / 3600) + ' h ' + Math.floor((left % 3600) / 60) + ' min', urgent: false, expired: false }
  const seconds = String(left % 60).padStart(2, '0')
  return { text: Math.floor(left / 60) + ':' + seconds, urgent: left <= 60, expired: false }
}

/** Updates every [data-expires] element once a second; calls onExpire(node) once per node. */
export function startCountdowns(root, onExpire) {
  const tick = () => {
    for (const node of root.querySelectorAll('[data-expires]')) {
      const state = countdownText(node.getAttribute('data-expires'), Date.now())
      node.textContent = state.expired ? 'expired' : (node.getAttribute('data-prefix') || '') + state.text
      node.classList.toggle('urgent', state.urgent)
      if (state.expired && !node.hasAttribute('data-expired')) {
        node.setAttribute('data-expired', '')
        if (onExpire) onExpire(node)
      }
    }
  }
  tick()
  return setInterval(tick, 1000)
}

export function riskBadge(risk) {
  return el('span', { class: 'risk risk-' + String(risk).replace(/[^a-z]/g, ''), text: String(risk) + ' risk' })
}

export function statusBadge(status) {
  return el('span', { class: 'status status-' + String(status).replace(/[^a-z]/g, ''), text: String(status) })
}

/** Shows the signed-in approver in the header and wires "Sign out"; returns the approver. */
export async function loadSession() {
  const me = await api('GET', '/api/v1/me')
  const approver = me && me.approver ? me.approver : me
  setText('who', approver && approver.name ? approver.name : '')
  show('nav', true)
  const page = document.body.dataset.page
  for (const link of document.querySelectorAll('#nav a[data-page]')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page')
  }
  const signOut = byId('sign-out')
  if (signOut) {
    signOut.addEventListener('click', async () => {
      try {
        await api('DELETE', '/api/v1/session')
      } catch (error) {
        // signed out either way: the cookie is HttpOnly and the server forgets the session
      }
      location.assign('/login')
    })
  }
  return approver
}
`
