import { generate } from 'otplib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSecretBox, type SecretBox } from '../../../src/approval/secret-box.js'
import { confirmTotpSetup, startTotpSetup } from '../../../src/approval/totp/totp-setup.js'
import { verifyTotpCode } from '../../../src/approval/totp/totp-verify.js'
import type { Approver, Store } from '../../../src/store/store.js'
import { addApprover, NOW, openProofStore } from './proof-fixtures.js'

const STEP = 30_000
const box: SecretBox = createSecretBox(new Uint8Array(32).fill(1))

let store: Store
let dispose: () => Promise<void>
beforeEach(async () => {
  ;({ store, dispose } = await openProofStore())
})
afterEach(async () => {
  await dispose()
})

function codeAt(secret: string, at: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(at / 1000) })
}

/** A wrong code at `at` (the right one with its last digit changed). */
async function wrongAt(secret: string, at: number): Promise<string> {
  const code = await codeAt(secret, at)
  return code.slice(0, 5) + ((Number(code[5]) + 1) % 10)
}

async function enrolled(name = 'alice'): Promise<{ approver: Approver; secret: string }> {
  const approver = await addApprover(store, name)
  const { secret } = await startTotpSetup(store, box, approver, 'mcp-warden')
  await confirmTotpSetup(store, box, approver, await codeAt(secret, NOW), NOW)
  return { approver, secret }
}

describe('TOTP setup', () => {
  it('shows the otpauth URI and QR codes, and stores the secret encrypted, not yet enabled', async () => {
    const approver = await addApprover(store, 'alice')
    const setup = await startTotpSetup(store, box, approver, 'mcp-warden')
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/)
    const uri = new URL(setup.provisioning_uri)
    expect(uri.protocol).toBe('otpauth:')
    expect(uri.searchParams.get('secret')).toBe(setup.secret)
    expect(uri.searchParams.get('issuer')).toBe('mcp-warden')
    expect(decodeURIComponent(uri.pathname)).toContain('alice')
    expect(setup.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    expect(setup.qr_terminal).toMatch(/[▀▄█]/)
    const stored = (await store.getApprover(approver.id))!.totp!
    expect(stored.enabled).toBe(false)
    expect(stored.encrypted_secret).not.toContain(setup.secret)
    expect(box.open(stored.encrypted_secret, `totp:${approver.id}`)).toBe(setup.secret)
    await expect(
      verifyTotpCode(store, box, approver, await codeAt(setup.secret, NOW), NOW),
    ).rejects.toMatchObject({ code: 'ERR_TOTP_NOT_ENROLLED' })
  })

  it('enables TOTP once a code from the new secret is shown', async () => {
    const { approver } = await enrolled()
    expect((await store.getApprover(approver.id))!.totp!.enabled).toBe(true)
  })

  it('does not enable TOTP for a wrong code', async () => {
    const approver = await addApprover(store, 'alice')
    const { secret } = await startTotpSetup(store, box, approver, 'mcp-warden')
    await expect(
      confirmTotpSetup(store, box, approver, await wrongAt(secret, NOW), NOW),
    ).rejects.toMatchObject({ code: 'ERR_TOTP_INVALID' })
    expect((await store.getApprover(approver.id))!.totp!.enabled).toBe(false)
  })

  it('refuses confirming before setup', async () => {
    const approver = await addApprover(store, 'alice')
    await expect(confirmTotpSetup(store, box, approver, '123456', NOW)).rejects.toMatchObject({
      code: 'ERR_TOTP_NOT_ENROLLED',
    })
  })
})

describe('verifyTotpCode', () => {
  it('accepts a valid code and returns its time step', async () => {
    const { approver, secret } = await enrolled()
    const at = NOW + 2 * STEP
    expect(await verifyTotpCode(store, box, approver, await codeAt(secret, at), at)).toEqual({
      time_step: Math.floor(at / STEP),
    })
  })

  it('accepts the previous and next step, not two steps away', async () => {
    const { approver, secret } = await enrolled()
    const at = NOW + 10 * STEP
    const previous = await codeAt(secret, at - STEP)
    expect((await verifyTotpCode(store, box, approver, previous, at)).time_step).toBe(
      Math.floor(at / STEP) - 1,
    )
    const next = await codeAt(secret, at + STEP)
    expect((await verifyTotpCode(store, box, approver, next, at)).time_step).toBe(
      Math.floor(at / STEP) + 1,
    )
    await expect(
      verifyTotpCode(store, box, approver, await codeAt(secret, at + 3 * STEP), at + STEP),
    ).rejects.toMatchObject({ code: 'ERR_TOTP_INVALID' })
  })

  it('uses each time step once per approver, and never an older one', async () => {
    const { approver, secret } = await enrolled()
    const at = NOW + 4 * STEP
    const code = await codeAt(secret, at)
    await verifyTotpCode(store, box, approver, code, at)
    await expect(verifyTotpCode(store, box, approver, code, at)).rejects.toMatchObject({
      code: 'ERR_TOTP_REPLAYED',
    })
    await expect(
      verifyTotpCode(store, box, approver, await codeAt(secret, at - STEP), at),
    ).rejects.toMatchObject({ code: 'ERR_TOTP_REPLAYED' })
  })

  it('keeps time steps per approver', async () => {
    const alice = await enrolled('alice')
    const bob = await enrolled('bob')
    const at = NOW + 6 * STEP
    await verifyTotpCode(store, box, alice.approver, await codeAt(alice.secret, at), at)
    expect(
      await verifyTotpCode(store, box, bob.approver, await codeAt(bob.secret, at), at),
    ).toEqual({ time_step: Math.floor(at / STEP) })
  })

  it('refuses a wrong code and malformed codes', async () => {
    const { approver, secret } = await enrolled()
    const at = NOW + 2 * STEP
    for (const code of [await wrongAt(secret, at), '12345', '1234567', 'abcdef', '']) {
      await expect(verifyTotpCode(store, box, approver, code, at)).rejects.toMatchObject({
        code: 'ERR_TOTP_INVALID',
      })
    }
  })

  it('rate limits after 5 wrong codes in a window, even the right code, until the window ends', async () => {
    const { approver, secret } = await enrolled()
    const windowStart = Math.floor(NOW / 300_000) * 300_000 + 300_000
    const at = windowStart + 3 * STEP
    for (let i = 0; i < 5; i++) {
      await expect(
        verifyTotpCode(store, box, approver, await wrongAt(secret, at), at),
      ).rejects.toMatchObject({ code: 'ERR_TOTP_INVALID' })
    }
    await expect(
      verifyTotpCode(store, box, approver, await wrongAt(secret, at), at),
    ).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' })
    await expect(
      verifyTotpCode(store, box, approver, await codeAt(secret, at), at),
    ).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED', message: /try again in \d+ s/ })
    const nextWindow = windowStart + 300_000
    expect(
      await verifyTotpCode(store, box, approver, await codeAt(secret, nextWindow), nextWindow),
    ).toEqual({ time_step: nextWindow / STEP })
  })

  it('does not count right codes as failures', async () => {
    const { approver, secret } = await enrolled()
    const windowStart = Math.floor(NOW / 300_000) * 300_000 + 300_000
    for (let i = 0; i < 4; i++) {
      const at = windowStart + i * STEP
      await expect(
        verifyTotpCode(store, box, approver, await wrongAt(secret, at), at),
      ).rejects.toMatchObject({ code: 'ERR_TOTP_INVALID' })
      await verifyTotpCode(store, box, approver, await codeAt(secret, at), at)
    }
    const at = windowStart + 5 * STEP
    await expect(
      verifyTotpCode(store, box, approver, await wrongAt(secret, at), at),
    ).rejects.toMatchObject({ code: 'ERR_TOTP_INVALID' })
    await expect(
      verifyTotpCode(store, box, approver, await codeAt(secret, at + STEP), at + STEP),
    ).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' })
  })

  it('cannot open a secret sealed for another approver', async () => {
    const alice = await enrolled('alice')
    const bob = await addApprover(store, 'bob')
    const aliceTotp = (await store.getApprover(alice.approver.id))!.totp!
    await store.setTotp(bob.id, aliceTotp)
    await expect(
      verifyTotpCode(store, box, bob, await codeAt(alice.secret, NOW + STEP), NOW + STEP),
    ).rejects.toMatchObject({ code: 'ERR_SECRET_UNREADABLE' })
  })
})
