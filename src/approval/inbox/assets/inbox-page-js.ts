/** Browser module /js/inbox-page.js: the pending list (/) and the history (/history). */
export const INBOX_PAGE_JS = String.raw`
import { api, loginIfSignedOut } from './api.js'
import { byId, el, formatAmount, formatTime, loadSession, riskBadge, show, showError, startCountdowns, statusBadge } from './dom.js'
import { onPushMessage, pushState, subscribeToPush } from './push.js'

function requestCard(action, history) {
  const meta = []
  const amount = formatAmount(action.amount, action.currency)
  if (amount) meta.push(amount)
  if (action.recipient) meta.push('to ' + action.recipient)
  meta.push('by ' + action.created_by)
  const top = el('div', { class: 'card-top' },
    el('span', { class: 'chip', text: String(action.action_type).replace(/_/g, ' ') }),
    riskBadge(action.risk_level),
    history ? statusBadge(action.status) : false,
    el('span', { class: 'spacer' }),
    history
      ? el('time', { class: 'countdown', datetime: action.resolved_at || action.created_at, text: formatTime(action.resolved_at || action.created_at) })
      : el('span', { class: 'countdown', 'data-expires': action.expires_at, 'data-prefix': 'expires in ' }))
  const lines = [top, el('p', { class: 'card-title', text: action.title }), el('p', { class: 'card-meta', text: meta.join(' · ') })]
  if (history && action.status === 'denied' && action.deny_reason) {
    lines.push(el('p', { class: 'card-meta', text: 'Reason: ' + action.deny_reason }))
  }
  lines.push(el('span', { class: 'card-fp', text: action.fingerprint }))
  const link = el('a', { class: 'card', href: '/actions/' + encodeURIComponent(action.id), 'data-id': action.id }, ...lines)
  return el('li', {}, link)
}

async function renderList(history) {
  const data = await api('GET', '/api/v1/inbox?status=' + (history ? 'history' : 'pending'))
  const actions = data && Array.isArray(data.actions) ? data.actions : []
  const list = byId('actions')
  list.replaceChildren(...actions.map((action) => requestCard(action, history)))
  show('empty', actions.length === 0)
  show('loading', false)
}

async function offerPush() {
  const banner = byId('push-banner')
  if (!banner) return
  const state = await pushState()
  banner.hidden = state !== 'available'
  const button = byId('push-enable')
  button.onclick = async () => {
    button.disabled = true
    try {
      await subscribeToPush()
      banner.hidden = true
    } catch (error) {
      showError(error)
    } finally {
      button.disabled = false
    }
  }
}

export async function inboxPage(history) {
  try {
    await loadSession()
    await renderList(history)
  } catch (error) {
    if (!loginIfSignedOut(error)) showError(error)
    return
  }
  const list = byId('actions')
  startCountdowns(list, (node) => {
    const card = node.closest('li')
    if (card) card.remove()
    show('empty', list.children.length === 0)
  })
  const refresh = () => renderList(history).catch((error) => {
    if (!loginIfSignedOut(error)) showError(error)
  })
  if (!history) {
    offerPush().catch((error) => console.warn('push unavailable', error))
    onPushMessage(refresh)
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh()
  })
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh()
  }, 15000)
}
`
