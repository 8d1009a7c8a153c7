const MASK = '[REDACTED]'

/**
 * Replaces every form of a secret the vault put on the wire (the raw secret, the header
 * value, its URL and base64 encodings) with [REDACTED]. Applied to everything that leaves
 * the vault: response headers and body, error messages, log lines. Defence in depth: the
 * host allowlist is what keeps a credential away from a server that would echo it.
 */
export function createRedactor(secret: string, headerValue: string): (text: string) => string {
  const forms = [
    ...new Set([
      secret,
      headerValue,
      encodeURIComponent(secret),
      Buffer.from(secret, 'utf8').toString('base64'),
      Buffer.from(secret, 'utf8').toString('base64url'),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ]
    .filter((form) => form.length > 0)
    // Longest first, so a longer form is masked whole before a shorter one inside it.
    .sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const form of forms) out = out.split(form).join(MASK)
    return out
  }
}
