import { describe, expect, it } from 'vitest'
import { relyingPartyFrom } from '../../../src/approval/passkey/relying-party.js'

describe('relyingPartyFrom', () => {
  it('takes the RP ID from the host name and the origin from scheme, host and port', () => {
    expect(relyingPartyFrom('https://approvals.example.com/warden/')).toEqual({
      id: 'approvals.example.com',
      name: 'mcp-warden',
      origin: 'https://approvals.example.com',
    })
    expect(relyingPartyFrom('http://localhost:8787', 'Acme approvals')).toEqual({
      id: 'localhost',
      name: 'Acme approvals',
      origin: 'http://localhost:8787',
    })
  })

  it('refuses what is not an http(s) URL', async () => {
    for (const url of ['approvals.example.com', 'ftp://example.com']) {
      expect(() => relyingPartyFrom(url)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      )
    }
  })
})
