// Strict compact-JWS decoding and signature verification on node:crypto KeyObjects (jose is the reference in tests).
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto'
import { AuthorizerError, ErrorCode } from './errors.js'

/** Far above any real token, below API Gateway's 10 KB header limit plus slack; bounds work on hostile input. */
export const MAX_TOKEN_LENGTH = 16_384
const MAX_KID_LENGTH = 1024
const BASE64URL = /^[A-Za-z0-9_-]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>
  readonly alg: string
  readonly kid: string | undefined
  readonly signingInput: Buffer
  readonly signature: Buffer
  readonly payloadSegment: string
}

const malformed = (message: string) => new AuthorizerError(ErrorCode.TOKEN_MALFORMED, message)

function decodeSegment(segment: string, what: string): Buffer {
  // length % 4 === 1 can never be valid base64url; Buffer would silently drop the stray character.
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) throw malformed(`${what} is not base64url`)
  const bytes = Buffer.from(segment, 'base64url')
  // Decoders ignore the unused low bits of the last character, so up to 16 spellings decode alike: accepting only the
  // canonical one keeps a token's string unique (no signature "twins" that slip past token-string deny lists or caches).
  if (bytes.toString('base64url') !== segment) throw malformed(`${what} is not canonical base64url`)
  return bytes
}

/** Parses a JSON object from base64url; arrays, primitives, invalid UTF-8 and invalid JSON are malformed. */
export function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(decodeSegment(segment, what)))
  } catch (cause) {
    if (cause instanceof AuthorizerError) throw cause
    throw malformed(`${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} is not a JSON object`)
  return value as Record<string, unknown>
}

export function decodeJws(token: string): DecodedJws {
  if (token.length > MAX_TOKEN_LENGTH) throw malformed('token too long')
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) throw malformed('not three segments')
  const headerSegment = token.slice(0, first)
  const payloadSegment = token.slice(first + 1, second)
  // Checked now (decoded only after the signature) so the signing input is exactly the token's ASCII bytes.
  if (!BASE64URL.test(payloadSegment) || payloadSegment.length % 4 === 1) throw malformed('payload is not base64url')
  const header = decodeJsonSegment(headerSegment, 'header')
  const { alg, kid } = header
  if (typeof alg !== 'string') throw malformed('alg is not a string')
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) throw malformed('invalid kid')
  // We implement no JWS extensions, so any critical one must be refused (RFC 7515 4.1.11); b64:false and zip are such.
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined || header.enc !== undefined)
    throw malformed('unsupported header parameter')
  // An empty signature is an unsigned (alg none) token: well-formed, so the alg allow-list reports it, not this decoder.
  const signatureSegment = token.slice(second + 1)
  const signature = signatureSegment === '' ? Buffer.alloc(0) : decodeSegment(signatureSegment, 'signature')
  return {
    header,
    alg,
    kid,
    signingInput: Buffer.from(token.slice(0, second), 'ascii'),
    signature,
    payloadSegment,
  }
}

const EC_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 }

function isZero(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0) return false
  return true
}

/** Verifies one signature; `alg` must already be allowed for `key` (see algorithmsForKey). */
export function verifySignature(alg: string, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const bits = alg.slice(2)
  const hash = `sha${bits}`
  switch (alg.slice(0, 2)) {
    case 'HS': {
      const expected = createHmac(hash, key).update(data).digest()
      return expected.length === signature.length && timingSafeEqual(expected, signature)
    }
    case 'RS':
      return verify(hash, data, key, signature)
    case 'PS':
      return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature)
    case 'ES': {
      const size = EC_SIGNATURE_BYTES[alg]
      if (size === undefined || signature.length !== size) return false
      // "Psychic signatures" (r = 0 or s = 0) must never verify, whatever the crypto backend does.
      if (isZero(signature.subarray(0, size / 2)) || isZero(signature.subarray(size / 2))) return false
      return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature)
    }
    case 'Ed':
      return verify(null, data, key, signature)
    default:
      return false
  }
}
