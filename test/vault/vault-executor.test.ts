import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import type { Store } from '../../src/store/store.js'
import type { VaultCall } from '../../src/vault/vault-call.js'
import type { Vault } from '../../src/vault/vault.js'
import { fakeResolver, startHttpsTarget, type HttpsTarget } from './https-target.js'
import { loopbackIsPublic, SECRET, testVault } from './vault-fixtures.js'

const call = (url: string, more: Partial<VaultCall> = {}): VaultCall => ({
  kind: 'vault_call',
  service: 'api',
  method: 'GET',
  url,
  headers: {},
  body: null,
  ...more,
})

describe('vault execution', () => {
  let store: Store
  let target: HttpsTarget
  let other: HttpsTarget
  let vault: Vault
  let base: string

  beforeAll(async () => {
    target = await startHttpsTarget()
    other = await startHttpsTarget()
    base = `https://api.test.example:${target.port}`
  })
  afterAll(async () => {
    await target?.close()
    await other?.close()
  })
  beforeEach(async () => {
    store = await openStore('sqlite::memory:')
    vault = await testVault(store)
    await addApi(vault)
    target.received.length = 0
    other.received.length = 0
    target.handler = (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sid=1' })
      response.end(JSON.stringify(request))
    }
  })
  afterEach(async () => {
    await store.close()
  })
  /** The bearer credential `api` for the test server, sealed under `into`'s key. */
  const addApi = (into: Vault) =>
    into.addCredential(
      {
        name: 'api',
        auth_type: 'bearer',
        allowed_hosts: [`api.test.example:${target.port}`],
        secret: SECRET,
      },
      { replace: true },
    )

  it('adds the credential for each auth type, and masks it if the server echoes it', async () => {
    const cases = [
      { auth_type: 'bearer', header: 'authorization', value: `Bearer ${SECRET}` },
      {
        auth_type: 'basic',
        header: 'authorization',
        value: `Basic ${Buffer.from(`bot:${SECRET}`).toString('base64')}`,
      },
      { auth_type: 'api_key', header: 'x-api-key', value: SECRET },
      { auth_type: 'header', header: 'x-service-token', value: SECRET, name: 'X-Service-Token' },
    ] as const
    for (const each of cases) {
      await vault.addCredential(
        {
          name: `svc-${each.auth_type}`,
          auth_type: each.auth_type,
          ...('name' in each ? { header: each.name } : {}),
          allowed_hosts: [`api.test.example:${target.port}`],
          secret: each.auth_type === 'basic' ? `bot:${SECRET}` : SECRET,
        },
        { replace: true },
      )
      const response = await vault.execute(
        call(`${base}/echo?q=1`, {
          service: `svc-${each.auth_type}`,
          headers: { Accept: 'application/json' },
        }),
        'apr_test',
      )
      const seen = target.received.at(-1)!
      expect(seen.headers[each.header]).toBe(each.value)
      expect(seen.headers['accept']).toBe('application/json')
      expect(seen.path).toBe('/echo?q=1')
      expect(response.status_code).toBe(200)
      expect(response.headers['set-cookie']).toBeUndefined()
      expect(response.body).toContain('[REDACTED]')
      expect(response.body).not.toContain(SECRET)
      expect(response.body).not.toContain(each.value)
    }
  })

  it('sends the body and method as stored', async () => {
    await vault.execute(
      call(`${base}/repos`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"name":"new-project"}',
      }),
      'apr_test',
    )
    expect(target.received.at(-1)).toMatchObject({
      method: 'POST',
      body: '{"name":"new-project"}',
      headers: { 'content-type': 'application/json', 'content-length': '22' },
    })
  })

  it('calls https URLs only', async () => {
    await expect(
      vault.execute(call(`http://api.test.example:${target.port}/`), 'apr_test'),
    ).rejects.toMatchObject({ code: 'ERR_HOST_NOT_ALLOWED', message: /https URLs only/ })
    expect(target.received).toEqual([])
  })

  it("sends the credential only to the credential's allowed hosts and ports", async () => {
    await vault.addCredential({
      name: 'wild',
      auth_type: 'bearer',
      allowed_hosts: [`*.test.example:${target.port}`],
      secret: SECRET,
    })
    for (const [service, url] of [
      ['api', `https://other.test.example:${target.port}/`],
      ['api', `https://api.test.example:${other.port}/`],
      ['api', 'https://api.test.example/'],
      ['api', `https://api.test.example.evil.example:${target.port}/`],
      ['wild', `https://test.example:${target.port}/`],
      ['wild', `https://a.b.test.example:${target.port}/`],
    ] as const) {
      await expect(vault.execute(call(url, { service }), 'apr_test')).rejects.toMatchObject({
        code: 'ERR_HOST_NOT_ALLOWED',
        message: /is not an allowed host/,
      })
    }
    expect(target.received).toEqual([])
    // A wildcard the owner wrote stands for one label.
    const response = await vault.execute(
      call(`https://eu.test.example:${target.port}/x`, { service: 'wild' }),
      'apr_test',
    )
    expect(response.status_code).toBe(200)
  })

  it('refuses a host name that resolves to a private address', async () => {
    const { resolve } = fakeResolver({ 'internal.test.example': ['10.1.2.3'] })
    const strict = await testVault(store, { testing: { resolve } })
    await strict.addCredential({
      name: 'internal',
      auth_type: 'bearer',
      allowed_hosts: [`internal.test.example:${target.port}`],
      secret: SECRET,
    })
    await expect(
      strict.execute(
        call(`https://internal.test.example:${target.port}/`, { service: 'internal' }),
        'apr_test',
      ),
    ).rejects.toMatchObject({
      code: 'ERR_HOST_NOT_ALLOWED',
      message: 'the vault refuses to connect: internal.test.example resolves to a private address',
    })
  })

  it('refuses a name with any private address among its answers, and names that do not resolve', async () => {
    const { resolve } = fakeResolver({ 'api.test.example': ['127.0.0.1', '169.254.169.254'] })
    const strict = await testVault(store, { testing: { resolve } })
    await strict.addCredential({
      name: 'mixed',
      auth_type: 'bearer',
      allowed_hosts: [`api.test.example:${target.port}`, 'nowhere.test.example'],
      secret: SECRET,
    })
    await expect(
      strict.execute(call(`${base}/`, { service: 'mixed' }), 'apr_test'),
    ).rejects.toMatchObject({ message: /resolves to a cloud metadata address/ })
    await expect(
      strict.execute(call('https://nowhere.test.example/', { service: 'mixed' }), 'apr_test'),
    ).rejects.toMatchObject({ message: /nowhere.test.example does not resolve \(ENOTFOUND\)/ })
    expect(target.received).toEqual([])
  })

  it('connects to the address it checked: a resolver that turns private later is asked once (DNS rebinding)', async () => {
    let answered = 0
    const { resolve, calls } = fakeResolver({
      'api.test.example': () => (answered++ === 0 ? ['127.0.0.1'] : ['10.0.0.1']),
    })
    const pinned = await testVault(store, { testing: { resolve } })
    await addApi(pinned)
    const response = await pinned.execute(call(`${base}/first`), 'apr_1')
    expect(response.status_code).toBe(200)
    expect(calls).toEqual(['api.test.example'])
    expect(target.received.map((each) => each.path)).toEqual(['/first'])
    // The next call resolves again and now gets the private answer: refused, nothing sent.
    await expect(pinned.execute(call(`${base}/second`), 'apr_2')).rejects.toMatchObject({
      code: 'ERR_HOST_NOT_ALLOWED',
      message: /resolves to a private address/,
    })
    expect(calls).toHaveLength(2)
    expect(target.received.map((each) => each.path)).toEqual(['/first'])
  })

  it('returns a redirect to the agent and never follows it with the credential', async () => {
    target.handler = (_request, response) => {
      response.writeHead(302, { location: `https://other.test.example:${other.port}/steal` })
      response.end()
    }
    const response = await vault.execute(call(`${base}/moved`), 'apr_test')
    expect(response.status_code).toBe(302)
    expect(response.headers.location).toBe(`https://other.test.example:${other.port}/steal`)
    expect(other.received).toEqual([])
    expect(target.received).toHaveLength(1)
  })

  it('refuses agent headers that would replace the credential, route, smuggle or inject', async () => {
    await vault.addCredential({
      name: 'keyed',
      auth_type: 'api_key',
      header: 'X-Api-Key',
      allowed_hosts: [`api.test.example:${target.port}`],
      secret: SECRET,
    })
    const attempts: [string, Record<string, string>, RegExp][] = [
      ['api', { Authorization: 'Bearer mine' }, /credential's header/],
      ['api', { authorization: 'Bearer mine' }, /credential's header/],
      ['keyed', { 'x-api-key': 'mine' }, /credential's header/],
      ['keyed', { Authorization: 'Bearer mine' }, /may not be set/],
      ['api', { Host: 'evil.example' }, /may not be set/],
      ['api', { Cookie: 'sid=1' }, /may not be set/],
      ['api', { 'Proxy-Authorization': 'Basic eA==' }, /may not be set/],
      ['api', { 'Transfer-Encoding': 'chunked' }, /may not be set/],
      ['api', { 'Content-Length': '0' }, /may not be set/],
      ['api', { 'X-Note': 'a\r\nAuthorization: Bearer mine' }, /control characters/],
      ['api', { 'X-Note': 'a\nX-Api-Key: mine' }, /control characters/],
      ['api', { 'X-Note\r\nAuthorization': 'Bearer mine' }, /not a valid header name/],
      ['api', { 'X-One': '1', 'x-one': '2' }, /given twice/],
    ]
    for (const [service, headers, why] of attempts) {
      const attempt = call(`${base}/`, { service, headers })
      await expect(vault.checkCall(attempt)).rejects.toMatchObject({
        code: 'ERR_APPROVAL_INVALID',
        message: why,
      })
      // A call stored some other way is checked again before it runs.
      await expect(vault.execute(attempt, 'apr_test')).rejects.toMatchObject({
        code: 'ERR_APPROVAL_INVALID',
      })
    }
    expect(target.received).toEqual([])
  })

  it('discards a response over the size limit, declared or streamed', async () => {
    const small = await testVault(store, { maxResponseBytes: 64 * 1024 })
    await addApi(small)
    const big = Buffer.alloc(200 * 1024, 'a')
    target.handler = (_request, response) => {
      response.writeHead(200, { 'content-length': String(big.length) })
      response.end(big)
    }
    await expect(small.execute(call(`${base}/big`), 'apr_test')).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      message: 'vault call: the response is larger than 65536 bytes; it was discarded',
    })
    target.handler = (_request, response) => {
      response.writeHead(200)
      for (let i = 0; i < 20; i++) response.write(big.subarray(0, 16 * 1024))
      response.end()
    }
    await expect(small.execute(call(`${base}/chunked`), 'apr_test')).rejects.toMatchObject({
      message: /larger than 65536 bytes/,
    })
    // The default is 1 MiB.
    target.handler = (_request, response) => response.end(Buffer.alloc(1024 * 1024 + 1, 'b'))
    await expect(vault.execute(call(`${base}/mib`), 'apr_test')).rejects.toMatchObject({
      message: /larger than 1048576 bytes/,
    })
  })

  it('gives up on a server that does not answer within the time limit', async () => {
    const impatient = await testVault(store, { timeoutMs: 200 })
    await addApi(impatient)
    target.handler = () => {}
    await expect(impatient.execute(call(`${base}/slow`), 'apr_test')).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      message: 'vault call: no complete answer within 200 ms',
    })
  })

  it('checks the certificate against the host name', async () => {
    const untrusting = await testVault(store, { testing: { ca: '' } })
    await addApi(untrusting)
    await expect(untrusting.execute(call(`${base}/`), 'apr_test')).rejects.toMatchObject({
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      message:
        /the request failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
    })
    const { resolve } = fakeResolver({ 'wrong.example': ['127.0.0.1'] })
    const misnamed = await testVault(store, { testing: { resolve, refusal: loopbackIsPublic } })
    await misnamed.addCredential(
      {
        name: 'api',
        auth_type: 'bearer',
        allowed_hosts: [`wrong.example:${target.port}`],
        secret: SECRET,
      },
      { replace: true },
    )
    await expect(
      misnamed.execute(call(`https://wrong.example:${target.port}/`), 'apr_test'),
    ).rejects.toMatchObject({ message: /\(ERR_TLS_CERT_ALTNAME_INVALID\)/ })
    expect(target.received).toEqual([])
  })
})
