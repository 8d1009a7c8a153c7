/**
 * Browser module /js/enrol-page.js: the one-time link /enrol#<token>. The token stays in
 * memory only and leaves the address bar at once, so it is never logged or shared by copy.
 */
export const ENROL_PAGE_JS = String.raw`
import { ApiError, api } from './api.js'
import { byId, clearNotice, setText, show, showError } from './dom.js'
import { createCredential } from './webauthn.js'

function takeToken() {
  const token = decodeURIComponent(location.hash.replace(/^#/, ''))
  if (location.hash) history.replaceState(null, '', location.pathname)
  return token
}

function done(result, how) {
  const approver = result && result.approver ? result.approver : {}
  setText('enrol-done-text', 'You are enrolled' + (approver.name ? ' as ' + approver.name : '') + ' with ' + how + '. You can now approve requests.')
  show('enrol-choices', false)
  show('enrol-done', true)
  byId('enrol-done').querySelector('a').focus()
}

function secretFromUri(uri) {
  try {
    return new URL(uri).searchParams.get('secret') || ''
  } catch (error) {
    return ''
  }
}

function buttons(on) {
  for (const node of document.querySelectorAll('#enrol-choices button, #enrol-choices input')) node.disabled = on
}

async function run(task) {
  clearNotice()
  buttons(true)
  try {
    await task()
  } catch (error) {
    showError(error)
  } finally {
    buttons(false)
  }
}

export function enrolPage() {
  const token = takeToken()
  if (!token) {
    showError(new ApiError(0, 'ERR_ENROLMENT_INVALID', 'the link has no token'))
    show('enrol-choices', false)
    return
  }
  byId('enrol-passkey').addEventListener('click', () => run(async () => {
    const options = await api('POST', '/api/v1/enrol/passkey/options', { token })
    const response = await createCredential(options)
    const body = { token, response }
    const label = byId('passkey-label').value.trim()
    if (label) body.label = label
    done(await api('POST', '/api/v1/enrol/passkey', body), 'a passkey')
  }))
  byId('totp-start').addEventListener('click', () => run(async () => {
    const setup = await api('POST', '/api/v1/enrol/totp/setup', { token })
    // The QR code is an SVG document: shown through <img> (no script runs), never inserted as markup.
    const img = byId('totp-qr')
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(String(setup.qr_svg || ''))
    setText('totp-secret', secretFromUri(setup.provisioning_uri).replace(/(.{4})/g, '$1 ').trim())
    show('totp-confirm', true)
    byId('totp-code').focus()
  }))
  byId('totp-confirm').addEventListener('submit', (event) => {
    event.preventDefault()
    run(async () => {
      const code = byId('totp-code').value.replace(/\s+/g, '')
      if (!/^[0-9]{6}$/.test(code)) throw new ApiError(0, 'ERR_TOTP_INVALID', 'enter the 6-digit code')
      done(await api('POST', '/api/v1/enrol/totp', { token, code }), 'an authenticator app')
    })
  })
}
`
