/**
 * The inbox's HTML pages: static shells without data and without inline script or style.
 * /app.js reads `data-page` and fills them from the JSON API with textContent only.
 */
export type InboxPage = 'inbox' | 'history' | 'detail' | 'enrol' | 'login'

const TITLES: Record<InboxPage, string> = {
  inbox: 'Inbox',
  history: 'History',
  detail: 'Approval request',
  enrol: 'Enrol',
  login: 'Sign in',
}

const NAV = `<nav class="nav" id="nav" aria-label="Main" hidden>
<a href="/" data-page="inbox">Inbox</a><a href="/history" data-page="history">History</a>
<span class="who" id="who"></span><button class="linklike" id="sign-out" type="button">Sign out</button>
</nav>`

const NOTICE = '<p class="notice" id="notice" role="alert" tabindex="-1" hidden></p>'

const LIST = (heading: string, empty: string, push: boolean) => `<h1>${heading}</h1>
${NOTICE}
${
  push
    ? `<div class="banner panel" id="push-banner" hidden><p>Get a notification on this device when an agent asks.</p>
<button class="btn" id="push-enable" type="button">Turn on notifications</button></div>`
    : ''
}
<p class="muted" id="loading">Loading…</p>
<ul class="cards" id="actions" aria-live="polite"></ul>
<p class="muted" id="empty" hidden>${empty}</p>`

const CODE_INPUT = (id: string, label: string) =>
  `<input class="code" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" placeholder="123456" aria-label="${label}">`

const DETAIL = `${NOTICE}
<div class="panel banner" id="stale" hidden><p>What is stored for this request is no longer what you were shown.</p>
<button class="btn secondary" id="reload" type="button">Reload and check again</button></div>
<p class="muted" id="loading">Loading…</p>
<article id="action" hidden>
<p class="card-top"><span class="chip" id="action-type"></span><span id="risk"></span><span id="status"></span></p>
<h1 id="title"></h1>
<p class="description" id="description"></p>
<section class="panel fingerprint-box" aria-labelledby="fp-label">
<p class="label" id="fp-label">Fingerprint</p>
<p class="fingerprint" id="fingerprint"></p>
<p class="hint">The agent shows the same fingerprint. Compare them before you decide.</p>
</section>
<dl class="facts" id="facts"></dl>
<section class="decide" id="decide" hidden>
<fieldset id="approve-box"><legend>Approve</legend>
<button class="btn approve block" id="approve-passkey" type="button">Approve with passkey</button>
<form id="approve-totp"><label for="approve-code">or with an authenticator code</label>
<div class="row">${CODE_INPUT('approve-code', 'Authenticator code to approve')}
<button class="btn approve" id="approve-code-submit" type="submit">Approve</button></div></form>
</fieldset>
<fieldset id="deny-box"><legend>Deny</legend>
<label for="deny-reason">Reason (optional, the agent sees it)</label>
<textarea id="deny-reason" maxlength="500" rows="2"></textarea>
<div class="row"><button class="btn deny block" id="deny-passkey" type="button">Deny with passkey</button></div>
<form id="deny-totp"><div class="row">${CODE_INPUT('deny-code', 'Authenticator code to deny')}
<button class="btn deny" id="deny-code-submit" type="submit">Deny</button></div></form>
</fieldset>
</section>
<section aria-labelledby="params-heading"><h2 id="params-heading">Parameters</h2>
<table class="params" id="parameters"></table>
<details><summary>As JSON</summary><pre class="json" id="parameters-json"></pre></details>
</section>
<section aria-labelledby="events-heading"><h2 id="events-heading">Events</h2><ol class="events" id="events"></ol></section>
</article>`

const ENROL = `<h1>Set up approvals</h1>
${NOTICE}
<div class="stack" id="enrol-choices">
<p>Choose how you will prove it is you when you approve an agent's action.</p>
<section class="panel"><h2>Passkey</h2>
<p class="muted">Face, fingerprint or device PIN. Recommended.</p>
<label for="passkey-label">Name for this passkey (optional)</label>
<input id="passkey-label" maxlength="60" placeholder="My phone">
<div class="row"><button class="btn block" id="enrol-passkey" type="button">Register a passkey</button></div>
</section>
<section class="panel"><h2>Authenticator app</h2>
<p class="muted">A 6-digit code from an app such as Aegis, Google Authenticator or 1Password.</p>
<div class="row"><button class="btn secondary block" id="totp-start" type="button">Set up an authenticator app</button></div>
<form id="totp-confirm" hidden>
<p>Scan this code with the app, then type the code it shows.</p>
<img class="qr" id="totp-qr" alt="QR code for the authenticator app">
<p class="muted">Or enter this key by hand: <span class="secret" id="totp-secret"></span></p>
<label for="totp-code">Code from the app</label>
<div class="row">${CODE_INPUT('totp-code', 'Code from the app')}
<button class="btn" id="totp-confirm-submit" type="submit">Confirm</button></div>
</form>
</section>
</div>
<div class="panel" id="enrol-done" hidden><p id="enrol-done-text"></p><a class="btn block" href="/">Open the inbox</a></div>`

const LOGIN = `<h1>Sign in</h1>
${NOTICE}
<div class="stack">
<section class="panel"><button class="btn block" id="login-passkey" type="button">Sign in with a passkey</button></section>
<form class="panel" id="login-totp"><h2>Or with an authenticator code</h2>
<label for="login-name">Approver name</label>
<input id="login-name" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="login-code">Code</label>
${CODE_INPUT('login-code', 'Authenticator code')}
<div class="row"><button class="btn secondary block" id="login-totp-submit" type="submit">Sign in</button></div>
</form>
</div>`

const BODIES: Record<InboxPage, string> = {
  inbox: LIST('Waiting for you', 'Nothing is waiting for your approval.', true),
  history: LIST('History', 'No decided requests yet.', false),
  detail: DETAIL,
  enrol: ENROL,
  login: LOGIN,
}

export function inboxPageHtml(page: InboxPage): string {
  const nav = page === 'enrol' || page === 'login' ? '' : NAV
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#1d3557">
<meta name="referrer" content="no-referrer">
<title>${TITLES[page]} · Warden approvals</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/icons/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/icons/icon-192.png">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body data-page="${page}">
<header class="bar"><a class="brand" href="/">Warden<span class="brand-more"> approvals</span></a>${nav}</header>
<main id="main">
${BODIES[page]}
</main>
<noscript><p class="notice error">The approval inbox needs JavaScript.</p></noscript>
</body>
</html>
`
}
