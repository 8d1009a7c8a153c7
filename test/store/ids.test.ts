import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashToken, newId, newToken } from '../../src/store/ids.js'

describe('ids', () => {
  it('makes prefixed ids of 16 random bytes', () => {
    const id = newId('apr')
    expect(id).toMatch(/^apr_[A-Za-z0-9_-]{22}$/)
    expect(newId('apr')).not.toBe(id)
  })

  it('makes tokens of 32 random bytes, base64url', () => {
    const token = newToken()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
  })

  it('hashes a token to lowercase hex SHA-256', () => {
    expect(hashToken('abc')).toBe(createHash('sha256').update('abc').digest('hex'))
    expect(hashToken('abc')).toMatch(/^[0-9a-f]{64}$/)
  })
})
