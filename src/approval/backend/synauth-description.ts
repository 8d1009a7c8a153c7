import { canonicalJson } from '../../audit/canonical-digest.js'
import { WardenError } from '../../errors.js'
import type { JsonValue } from '../approval-request.js'
import { fingerprint } from '../fingerprint.js'
import type { EscalationRequest } from './approval-backend.js'
import { capLength } from './render-template.js'

/** Our own limit; SynAuth documents none. */
export const SYNAUTH_MAX_DESCRIPTION = 4000

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu

/**
 * SynAuth has no parameters field, so the description carries them for the approver to read:
 * the rule's own description, then the fingerprint and the exact parameters as JSON. The
 * parameters are never cut: a request whose parameters do not fit is refused
 * (ERR_APPROVAL_INVALID) rather than approved half-seen.
 */
export function synauthDescription(
  request: EscalationRequest,
  contentHash: string,
  maxLength = SYNAUTH_MAX_DESCRIPTION,
): string {
  const facts = [
    `mcp-warden escalation · rule ${request.rule} · policy ${request.policy_version.slice(0, 12)}`,
    `Fingerprint ${fingerprint(contentHash)} · SHA-256 ${contentHash}`,
    ...(request.currency !== undefined && request.amount !== undefined
      ? [`Amount ${request.amount} ${request.currency}`]
      : []),
    'Exactly what runs (RFC 8785 JSON; its SHA-256 is the hash above):',
    visibleJson(request.parameters),
  ].join('\n')
  const room = maxLength - Array.from(facts).length - 2
  if (room < 0) {
    throw new WardenError(
      'ERR_APPROVAL_INVALID',
      `the call's parameters need ${Array.from(facts).length} characters, more than the ` +
        `${maxLength} a SynAuth description may hold here; SynAuth has no parameters field, ` +
        'so the approver could not see them all',
    )
  }
  const own = request.description ? capLength(request.description, room) : ''
  return own && room > 0 ? `${own}\n\n${facts}` : facts
}

/**
 * Canonical JSON with every invisible or direction-changing character written as a \u
 * escape: it parses to the same value (so the same hash) but cannot hide or reorder text.
 */
export function visibleJson(parameters: JsonValue): string {
  return canonicalJson(parameters).replace(HIDDEN, (hidden) =>
    hidden
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  )
}
