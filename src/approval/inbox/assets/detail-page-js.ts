/**
 * Browser module /js/detail-page.js: one request (/actions/:id) rendered from its stored
 * parameters, and the approve/deny decisions bound to the content hash on screen.
 */
export const DETAIL_PAGE_JS = String.raw`
import { ApiError, api, loginIfSignedOut } from './api.js'
import { byId, clearNotice, el, formatAmount, formatTime, loadSession, riskBadge, setText, show, showError, showNotice, startCountdowns, statusBadge } from './dom.js'
import { renderParameters } from './parameters.js'
import { challengeCommitsTo, getAssertion } from './webauthn.js'

const CHANGED = new Set(['ERR_APPROVAL_HASH_MISMATCH', 'ERR_CONTENT_CHANGED'])
const FINAL = new Set(['ERR_APPROVAL_ALREADY_RESOLVED', 'ERR_APPROVAL_EXPIRED', 'ERR_APPROVAL_OVER_LIMIT'])

// What the approver was shown; every decision carries this hash and nothing else.
let shown
let countdown

function requestId() {
  return decodeURIComponent(location.pathname.replace(/^\/actions\//, '').replace(/\/+$/, ''))
}

function fact(dt, dd, attrs) {
  const value = typeof dd === 'string' ? el('dd', Object.assign({ text: dd }, attrs || {})) : el('dd', attrs || {}, dd)
  return [el('dt', { text: dt }), value]
}

function facts(view) {
  const rows = []
  const amount = formatAmount(view.amount, view.currency)
  if (amount) rows.push(fact('Amount', amount, { class: 'big', id: 'fact-amount' }))
  if (view.recipient) rows.push(fact('Recipient', view.recipient, { id: 'fact-recipient' }))
  rows.push(fact('Action', String(view.action_type).replace(/_/g, ' ')))
  rows.push(fact('Risk', String(view.risk_level)))
  rows.push(fact('Requested by', view.created_by))
  rows.push(fact('Requested', formatTime(view.created_at)))
  if (view.status === 'pending') {
    rows.push(fact('Expires', '', { id: 'expires', class: 'countdown', 'data-expires': view.expires_at, 'data-prefix': 'in ' }))
  } else {
    rows.push(fact('Status', String(view.status)))
    if (view.resolved_at) rows.push(fact('Decided', formatTime(view.resolved_at)))
    if (view.resolved_by) rows.push(fact('Decided by', view.resolved_by + (view.method ? ' (' + view.method + ')' : '')))
    if (view.deny_reason) rows.push(fact('Reason', view.deny_reason))
    if (view.executed_at) rows.push(fact('Executed', formatTime(view.executed_at) + (view.execution_result ? ', ' + view.execution_result : '')))
  }
  if (view.rule) rows.push(fact('Policy rule', view.rule))
  if (view.policy_version) rows.push(fact('Policy version', view.policy_version))
  rows.push(fact('Content hash', view.content_hash, { class: 'hash', id: 'content-hash' }))
  byId('facts').replaceChildren(...rows.flat())
}

function events(list) {
  const items = (Array.isArray(list) ? list : []).map((event) => {
    const who = event.actor ? ' by ' + event.actor : ''
    const how = event.method ? ' (' + event.method + ')' : ''
    const reason = event.detail && typeof event.detail.reason === 'string' ? ': ' + event.detail.reason : ''
    return el('li', {}, el('time', { datetime: event.at, text: formatTime(event.at) }), String(event.event) + who + how + reason)
  })
  byId('events').replaceChildren(...items)
}

function render(view) {
  shown = { id: view.id, content_hash: view.content_hash, status: view.status }
  document.title = view.title + ' · Warden approvals'
  setText('action-type', String(view.action_type).replace(/_/g, ' '))
  byId('risk').replaceChildren(riskBadge(view.risk_level))
  byId('status').replaceChildren(statusBadge(view.status))
  setText('title', view.title)
  setText('description', view.description || '')
  show('description', !!view.description)
  setText('fingerprint', view.fingerprint)
  facts(view)
  const hidden = renderParameters(byId('parameters'), byId('parameters-json'), view.parameters)
  if (hidden > 0) {
    showNotice('error', hidden + ' parameter value(s) contain invisible or direction-changing characters, shown as \\u escapes and highlighted. Check them carefully.')
  }
  events(view.events)
  show('decide', view.status === 'pending')
  show('loading', false)
  show('action', true)
  if (countdown) clearInterval(countdown)
  countdown = startCountdowns(byId('facts'), () => show('decide', false))
}

async function load() {
  const view = await api('GET', '/api/v1/inbox/' + encodeURIComponent(requestId()))
  render(view)
  return view
}

function busy(on) {
  for (const node of document.querySelectorAll('#decide button, #decide input, #decide textarea')) node.disabled = on
}

function readCode(inputId) {
  const code = byId(inputId).value.replace(/\s+/g, '')
  if (!/^[0-9]{6}$/.test(code)) throw new ApiError(0, 'ERR_TOTP_INVALID', 'enter the 6-digit code')
  return code
}

async function decide(decision, method) {
  clearNotice()
  busy(true)
  const base = '/api/v1/inbox/' + encodeURIComponent(shown.id)
  try {
    const body = { content_hash: shown.content_hash }
    if (decision === 'deny') {
      const reason = byId('deny-reason').value.trim()
      if (reason) body.reason = reason
    }
    if (method === 'passkey') {
      const options = await api('POST', base + '/passkey-options', { decision, content_hash: shown.content_hash })
      if (!challengeCommitsTo(options, shown.content_hash)) {
        throw new ApiError(409, 'ERR_CONTENT_CHANGED', 'the challenge commits to different content')
      }
      body.passkey = await getAssertion(options)
    } else {
      body.totp = readCode(decision + '-code')
    }
    const result = await api('POST', base + '/' + decision, body)
    await load().catch(() => render(Object.assign({ parameters: null, events: [] }, result)))
    showNotice('ok', result.status === 'approved' ? 'Approved. The agent can go ahead.' : 'Denied. The agent has been told.')
  } catch (error) {
    if (loginIfSignedOut(error)) return
    showError(error)
    if (CHANGED.has(error.code)) {
      show('decide', false)
      show('stale', true)
    } else if (FINAL.has(error.code)) {
      await load().catch(() => undefined)
      showError(error)
    }
  } finally {
    busy(false)
  }
}

// Offer only the proofs this approver has set up (both when the server does not say).
function offerProofs(approver) {
  const totp = !approver || approver.totp_enabled !== false
  const passkey = !approver || approver.passkeys !== 0
  show('approve-totp', totp)
  show('deny-totp', totp)
  show('approve-passkey', passkey)
  show('deny-passkey', passkey)
}

export async function detailPage() {
  try {
    offerProofs(await loadSession())
    await load()
  } catch (error) {
    show('loading', false)
    if (!loginIfSignedOut(error)) showError(error)
    return
  }
  byId('approve-passkey').addEventListener('click', () => decide('approve', 'passkey'))
  byId('deny-passkey').addEventListener('click', () => decide('deny', 'passkey'))
  byId('approve-totp').addEventListener('submit', (event) => {
    event.preventDefault()
    decide('approve', 'totp')
  })
  byId('deny-totp').addEventListener('submit', (event) => {
    event.preventDefault()
    decide('deny', 'totp')
  })
  byId('reload').addEventListener('click', () => location.reload())
}
`
