import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { canonicalDigest } from '../../../src/audit/canonical-digest.js'
import { createSecretBox } from '../../../src/approval/secret-box.js'
import { createWebhook } from '../../../src/approval/webhooks/webhook-admin.js'
import { createWebhookDispatcher } from '../../../src/approval/webhooks/webhook-dispatcher.js'
import { verifyWebhookSignature } from '../../../src/approval/webhooks/webhook-signature.js'
import { newId } from '../../../src/store/ids.js'
import { openStore } from '../../../src/store/open-store.js'

function startReceiver(secret: () => string, clock: () => number) {
  const accepted: { event: string; id: string; status: string }[] = []
  const seen: { headers: IncomingHttpHeaders; body: string }[] = []
  const processed = new Set<string>()
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      seen.push({ headers: req.headers, body })
      const valid = verifyWebhookSignature(
        secret(),
        String(req.headers['x-warden-signature']),
        String(req.headers['x-warden-delivery']),
        body,
        { now: clock() },
      )
      if (!valid) return void res.writeHead(401).end()
      const deliveryId = String(req.headers['x-warden-delivery'])
      if (processed.has(deliveryId)) return void res.writeHead(204).end()
      processed.add(deliveryId)
      const { event, action } = JSON.parse(body) as {
        event: string
        action: { id: string; status: string }
      }
      accepted.push({ event, id: action.id, status: action.status })
      res.writeHead(204).end()
    })
  })
  return { server, accepted, seen }
}

it('a receiver accepts a signed delivery and refuses a tampered or stale one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'warden-receiver-'))
  const store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
  const box = createSecretBox(randomBytes(32))
  const now = Date.parse('2025-06-18T10:00:00Z')
  let clock = now
  let secret = ''
  const { server, accepted, seen } = startReceiver(
    () => secret,
    () => clock,
  )
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/warden`

  try {
    secret = (await createWebhook(store, box, { url, events: ['approval.approved'] }, now)).secret
    const parameters = { to: 'ops@example.com', subject: 'Weekly report' }
    const request = await store.createRequest({
      id: newId('apr'),
      created_by: 'bot-1',
      action_type: 'communication',
      title: 'Send the weekly report',
      risk_level: 'low',
      parameters,
      content_hash: canonicalDigest(parameters),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + 300_000).toISOString(),
    })
    const webhooks = createWebhookDispatcher({ store, box, callbackSecret: 'unused' })
    await webhooks.enqueue('approval.approved', { ...request, status: 'approved' }, now)
    await webhooks.runDue(now)
    expect(accepted).toEqual([{ event: 'approval.approved', id: request.id, status: 'approved' }])

    const { headers, body } = seen[0]!
    const replay = (text: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'X-Warden-Signature': String(headers['x-warden-signature']),
          'X-Warden-Delivery': String(headers['x-warden-delivery']),
        },
        body: text,
      }).then((response) => response.status)

    expect(await replay(body.replace('"approved"', '"denied"'))).toBe(401)
    clock = now + 301_000
    expect(await replay(body)).toBe(401)
    clock = now + 299_000
    expect(await replay(body)).toBe(204)
    expect(accepted).toHaveLength(1)
  } finally {
    server.closeAllConnections()
    server.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})
