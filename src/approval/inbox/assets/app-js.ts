/** Browser entry /app.js: registers the service worker and runs the page named by data-page. */
export const APP_JS = String.raw`
import { detailPage } from './js/detail-page.js'
import { enrolPage } from './js/enrol-page.js'
import { inboxPage } from './js/inbox-page.js'
import { loginPage } from './js/login-page.js'
import { registerServiceWorker } from './js/push.js'

const pages = {
  inbox: () => inboxPage(false),
  history: () => inboxPage(true),
  detail: detailPage,
  enrol: enrolPage,
  login: loginPage,
}

registerServiceWorker()
const page = pages[document.body.dataset.page]
if (page) page()
`
