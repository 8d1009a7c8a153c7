import { createHash } from 'node:crypto'
import { canonicalJson } from './canonical-digest.js'

/**
 * The chain rule: sha256_hex(prev + "\n" + JCS(record without `hash`)). The record without
 * `hash` still holds `prev`; hashing it in front as well keeps the rule readable on its own.
 */
export function recordHash(unsealed: { readonly prev: string }): string {
  return createHash('sha256')
    .update(`${unsealed.prev}\n${canonicalJson(unsealed)}`, 'utf8')
    .digest('hex')
}
