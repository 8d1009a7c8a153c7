/**
 * Browser module /js/webauthn.js: base64url <-> ArrayBuffer and the JSON shapes
 * @simplewebauthn/server expects (RegistrationResponseJSON, AuthenticationResponseJSON).
 */
export const WEBAUTHN_JS = String.raw`
import { ApiError } from './api.js'

export function base64urlToBuffer(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

export function bufferToBase64url(buffer) {
  const bytes = new Uint8Array(buffer)
  let binary = ''
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i])
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function bufferToHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')
}

function descriptors(list) {
  return Array.isArray(list) ? list.map((d) => Object.assign({}, d, { id: base64urlToBuffer(d.id) })) : undefined
}

export function supportsPasskeys() {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials
}

function unsupported() {
  return new ApiError(0, 'ERR_WEBAUTHN_UNSUPPORTED', 'passkeys are not available in this browser')
}

// NotAllowedError covers cancel, timeout and a failed user verification alike.
function fromDomException(error) {
  if (error && error.name === 'NotAllowedError') {
    return new ApiError(0, 'ERR_WEBAUTHN_CANCELLED', error.message)
  }
  return new ApiError(0, 'ERR_WEBAUTHN_' + String((error && error.name) || 'FAILED').toUpperCase(), String((error && error.message) || error))
}

/** navigator.credentials.get with PublicKeyCredentialRequestOptionsJSON; returns AuthenticationResponseJSON. */
export async function getAssertion(optionsJSON) {
  if (!supportsPasskeys()) throw unsupported()
  const publicKey = Object.assign({}, optionsJSON, { challenge: base64urlToBuffer(optionsJSON.challenge) })
  const allow = descriptors(optionsJSON.allowCredentials)
  if (allow) publicKey.allowCredentials = allow
  else delete publicKey.allowCredentials
  let credential
  try {
    credential = await navigator.credentials.get({ publicKey })
  } catch (error) {
    throw fromDomException(error)
  }
  if (!credential) throw new ApiError(0, 'ERR_WEBAUTHN_CANCELLED', 'no credential')
  const response = credential.response
  const json = {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: bufferToBase64url(response.clientDataJSON),
      authenticatorData: bufferToBase64url(response.authenticatorData),
      signature: bufferToBase64url(response.signature),
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  }
  if (response.userHandle) json.response.userHandle = bufferToBase64url(response.userHandle)
  if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment
  return json
}

/** navigator.credentials.create with PublicKeyCredentialCreationOptionsJSON; returns RegistrationResponseJSON. */
export async function createCredential(optionsJSON) {
  if (!supportsPasskeys()) throw unsupported()
  const publicKey = Object.assign({}, optionsJSON, {
    challenge: base64urlToBuffer(optionsJSON.challenge),
    user: Object.assign({}, optionsJSON.user, { id: base64urlToBuffer(optionsJSON.user.id) }),
  })
  const exclude = descriptors(optionsJSON.excludeCredentials)
  if (exclude) publicKey.excludeCredentials = exclude
  else delete publicKey.excludeCredentials
  let credential
  try {
    credential = await navigator.credentials.create({ publicKey })
  } catch (error) {
    throw fromDomException(error)
  }
  if (!credential) throw new ApiError(0, 'ERR_WEBAUTHN_CANCELLED', 'no credential')
  const response = credential.response
  const json = {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: bufferToBase64url(response.clientDataJSON),
      attestationObject: bufferToBase64url(response.attestationObject),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  }
  if (typeof response.getPublicKeyAlgorithm === 'function') json.response.publicKeyAlgorithm = response.getPublicKeyAlgorithm()
  if (typeof response.getAuthenticatorData === 'function') json.response.authenticatorData = bufferToBase64url(response.getAuthenticatorData())
  if (typeof response.getPublicKey === 'function') {
    const key = response.getPublicKey()
    if (key) json.response.publicKey = bufferToBase64url(key)
  }
  if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment
  return json
}

/**
 * The decision challenge is nonce || content_hash (32 raw bytes). Refuse to sign one that
 * commits to anything but the hash on screen.
 */
export function challengeCommitsTo(optionsJSON, contentHash) {
  const bytes = new Uint8Array(base64urlToBuffer(optionsJSON.challenge))
  if (bytes.length < 32) return false
  return bufferToHex(bytes.slice(bytes.length - 32)) === String(contentHash).toLowerCase()
}
`
