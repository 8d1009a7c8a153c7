import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { isoCBOR } from '@simplewebauthn/server/helpers'

const UP = 0x01
const UV = 0x04
const AT = 0x40

/** What a test can make the authenticator (or the browser around it) get wrong. */
export interface Tamper {
  origin?: string
  rpId?: string
  userVerified?: boolean
  /** Signature counter to report instead of the next one. */
  counter?: number
  challenge?: string
  type?: string
  userHandle?: string
}

/**
 * A software passkey: an ES256 key made with node:crypto, authenticatorData and
 * clientDataJSON built as a browser and platform authenticator would, signed for real.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16).toString('base64url')
  readonly #privateKey: KeyObject
  readonly #publicKey: KeyObject
  #counter: number
  #userHandle: string | undefined

  constructor(
    readonly rpId: string,
    readonly origin: string,
    options: { counter?: number; counterless?: boolean } = {},
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.#privateKey = pair.privateKey
    this.#publicKey = pair.publicKey
    this.#counter = options.counterless ? -1 : (options.counter ?? 0)
  }

  get counter(): number {
    return Math.max(this.#counter, 0)
  }

  /** navigator.credentials.create() */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    tamper: Tamper = {},
  ): RegistrationResponseJSON {
    this.#userHandle = options.user.id
    const authData = Buffer.concat([
      this.#authDataHeader(tamper, AT),
      Buffer.alloc(16), // AAGUID: none
      u16(Buffer.from(this.credentialId, 'base64url').length),
      Buffer.from(this.credentialId, 'base64url'),
      Buffer.from(this.cosePublicKey()),
    ])
    const attestationObject = isoCBOR.encode(
      new Map<string, Uint8Array | string | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    )
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: this.#clientData('webauthn.create', options.challenge, tamper),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    }
  }

  /** navigator.credentials.get() */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON | { challenge: string },
    tamper: Tamper = {},
  ): AuthenticationResponseJSON {
    const authenticatorData = this.#authDataHeader(tamper, 0)
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, tamper)
    const clientDataHash = createHash('sha256')
      .update(Buffer.from(clientDataJSON, 'base64url'))
      .digest()
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, clientDataHash]),
      this.#privateKey,
    )
    const userHandle = tamper.userHandle ?? this.#userHandle
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(userHandle ? { userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    }
  }

  /** The credential public key as a COSE_Key (EC2, ES256, P-256). */
  cosePublicKey(): Uint8Array {
    const jwk = this.#publicKey.export({ format: 'jwk' })
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    )
  }

  #authDataHeader(tamper: Tamper, extraFlags: number): Buffer {
    const rpIdHash = createHash('sha256')
      .update(tamper.rpId ?? this.rpId)
      .digest()
    const userVerified = tamper.userVerified ?? true
    const flags = UP | (userVerified ? UV : 0) | extraFlags
    let counter = 0
    if (tamper.counter !== undefined) counter = tamper.counter
    else if (this.#counter >= 0) counter = ++this.#counter
    return Buffer.concat([rpIdHash, Buffer.from([flags]), u32(counter)])
  }

  #clientData(type: string, challenge: string, tamper: Tamper): string {
    const json = JSON.stringify({
      type: tamper.type ?? type,
      challenge: tamper.challenge ?? challenge,
      origin: tamper.origin ?? this.origin,
      crossOrigin: false,
    })
    return Buffer.from(json, 'utf8').toString('base64url')
  }
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2)
  buffer.writeUInt16BE(value)
  return buffer
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}
