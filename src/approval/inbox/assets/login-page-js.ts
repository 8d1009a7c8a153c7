/** Browser module /js/login-page.js: sign in with a passkey, or approver name + TOTP code. */
export const LOGIN_PAGE_JS = String.raw`
import { ApiError, api } from './api.js'
import { byId, clearNotice, showError } from './dom.js'
import { getAssertion } from './webauthn.js'

// Only a path on this origin: "//evil.example" and "/\evil.example" are other hosts.
function nextPath() {
  const next = new URLSearchParams(location.search).get('next') || '/'
  return /^\/(?![\/\\])/.test(next) ? next : '/'
}

function buttons(on) {
  for (const node of document.querySelectorAll('main button, main input')) node.disabled = on
}

async function run(task) {
  clearNotice()
  buttons(true)
  try {
    await task()
    location.assign(nextPath())
  } catch (error) {
    showError(error)
    buttons(false)
  }
}

export function loginPage() {
  byId('login-passkey').addEventListener('click', () => run(async () => {
    const options = await api('POST', '/api/v1/session/passkey/options')
    await api('POST', '/api/v1/session/passkey', await getAssertion(options))
  }))
  byId('login-totp').addEventListener('submit', (event) => {
    event.preventDefault()
    run(async () => {
      const name = byId('login-name').value.trim()
      const code = byId('login-code').value.replace(/\s+/g, '')
      if (!/^[0-9]{6}$/.test(code)) throw new ApiError(0, 'ERR_TOTP_INVALID', 'enter the 6-digit code')
      await api('POST', '/api/v1/session/totp', { name, code })
    })
  })
}
`
