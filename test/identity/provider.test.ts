import { describe, expect, it } from 'vitest'
import { readBearerToken, readHeader } from '../../src/identity/provider.js'

describe('readHeader', () => {
  it('finds a header whatever the case of its name', () => {
    expect(readHeader({ headers: { 'X-Api-Key': 'k' } }, 'x-api-key')).toBe('k')
    expect(readHeader({ headers: { 'x-api-key': 'k' } }, 'X-API-KEY')).toBe('k')
  })

  it('is undefined when the header is absent or has no value', () => {
    expect(readHeader({ headers: { accept: '*/*' } }, 'x-api-key')).toBeUndefined()
    expect(readHeader({ headers: { 'x-api-key': undefined } }, 'x-api-key')).toBeUndefined()
  })

  it('accepts one value sent several times', () => {
    expect(
      readHeader({ headers: { 'x-api-key': ['k', 'k'], 'X-API-KEY': 'k' } }, 'x-api-key'),
    ).toBe('k')
  })

  it('refuses different values, also under differently cased names', () => {
    for (const headers of [{ 'x-api-key': ['a', 'b'] }, { 'x-api-key': 'a', 'X-Api-Key': 'b' }]) {
      expect(() => readHeader({ headers }, 'x-api-key')).toThrow(
        expect.objectContaining({ code: 'ERR_AUTH_INVALID' }),
      )
    }
  })

  it('keeps an empty value apart from an absent header', () => {
    expect(readHeader({ headers: { 'x-api-key': '' } }, 'x-api-key')).toBe('')
    expect(() => readHeader({ headers: { 'x-api-key': ['', 'k'] } }, 'x-api-key')).toThrow(
      expect.objectContaining({ code: 'ERR_AUTH_INVALID' }),
    )
  })
})

describe('readBearerToken', () => {
  it('reads the token of an Authorization: Bearer header', () => {
    expect(readBearerToken({ headers: { Authorization: 'bearer  abc ' } })).toBe('abc')
    expect(readBearerToken({ headers: { authorization: 'Basic abc' } })).toBeUndefined()
  })
})
