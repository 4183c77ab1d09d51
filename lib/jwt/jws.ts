// Strict compact-JWS decoding and signature verification on node:crypto KeyObjects (jose is the reference in tests).
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto'
import { decodeSegment, malformed, parseJsonObject, parseSegment, segmentText } from './segment.js'

/** Far above any real token, below API Gateway's 10 KB header limit plus slack; bounds work on hostile input. */
export const MAX_TOKEN_LENGTH = 16_384
const MAX_KID_LENGTH = 1024
/** Three base64url segments; an empty signature is let through to the alg allow-list (alg none). */
const JWS_CHARACTERS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

interface DecodedHeader {
  readonly header: Readonly<Record<string, unknown>>
  readonly alg: string
  readonly kid: string | undefined
}

export interface DecodedJws extends DecodedHeader {
  /** `header.payload`: ASCII only (checked), so its UTF-8 bytes are its characters; HMAC hashes the text directly. */
  readonly signingInput: string
  readonly signature: Buffer
  readonly payloadSegment: string
}

export interface DecodedPayload {
  readonly claims: Record<string, unknown>
  /** The JSON text the claims were parsed from. */
  readonly json: string
}

/** The payload of a token decoded by decodeJws (its characters already checked), once its signature has been verified. */
export function decodePayload(jws: DecodedJws): DecodedPayload {
  const json = segmentText(jws.payloadSegment, 'payload')
  return { claims: parseJsonObject(json, 'payload'), json }
}

export function decodeJws(token: string): DecodedJws {
  if (token.length > MAX_TOKEN_LENGTH) throw malformed('token too long')
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) !== -1) throw malformed('not three segments')
  // One pass over the whole token rather than one per segment. Checked before decoding anything, so the signing input
  // is exactly the token's ASCII bytes (the payload is decoded only after the signature).
  if (!JWS_CHARACTERS.test(token)) throw malformed('token is not base64url')
  const headerSegment = token.slice(0, first)
  const payloadSegment = token.slice(first + 1, second)
  if (payloadSegment.length % 4 === 1) throw malformed('payload is not base64url')
  const { header, alg, kid } = decodeHeader(headerSegment)
  // An empty signature is an unsigned (alg none) token: well-formed, so the alg allow-list reports it, not this decoder.
  const signatureSegment = token.slice(second + 1)
  const signature = signatureSegment === '' ? Buffer.alloc(0) : decodeSegment(signatureSegment, 'signature')
  return { header, alg, kid, signingInput: token.slice(0, second), signature, payloadSegment }
}

/**
 * Headers repeat: every token of one issuer and key carries the same header segment. Decoding is a pure function of the
 * segment, so valid ones are remembered (a few, and only short ones, so hostile tokens cannot make it grow); what is
 * remembered is frozen, and a header that fails a check is never remembered, so it fails again every time.
 */
const headers = new Map<string, DecodedHeader>()
const MAX_REMEMBERED_HEADERS = 32
const MAX_REMEMBERED_HEADER_LENGTH = 512

function decodeHeader(segment: string): DecodedHeader {
  const remembered = headers.get(segment)
  if (remembered !== undefined) return remembered
  const header = Object.freeze(parseSegment(segment, 'header'))
  const { alg, kid } = header
  if (typeof alg !== 'string') throw malformed('alg is not a string')
  if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) throw malformed('invalid kid')
  // We implement no JWS extensions, so any critical one must be refused (RFC 7515 4.1.11); b64:false and zip are such.
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined || header.enc !== undefined)
    throw malformed('unsupported header parameter')
  const decoded: DecodedHeader = Object.freeze({ header, alg, kid })
  if (segment.length <= MAX_REMEMBERED_HEADER_LENGTH) {
    // Oldest first out: a burst of distinct (hostile) headers costs the cache its entries, never memory.
    if (headers.size >= MAX_REMEMBERED_HEADERS) headers.delete(headers.keys().next().value as string)
    headers.set(segment, decoded)
  }
  return decoded
}

const EC_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 }

/** Indexes rather than subarray views and iterators: this runs on every EC verification. */
function isZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false
  return true
}

/**
 * Verifies one signature over `signingInput` (ASCII text: the JWS signing input); `alg` must already be allowed for
 * `key` (see algorithmsForKey).
 */
export function verifySignature(alg: string, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const bits = alg.slice(2)
  const hash = `sha${bits}`
  // HMAC hashes the text directly; only public-key verification needs the bytes as a buffer.
  if (alg.startsWith('HS')) {
    const expected = createHmac(hash, key).update(signingInput).digest()
    return expected.length === signature.length && timingSafeEqual(expected, signature)
  }
  const data = Buffer.from(signingInput)
  switch (alg.slice(0, 2)) {
    case 'RS':
      return verify(hash, data, key, signature)
    case 'PS':
      return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature)
    case 'ES': {
      const size = EC_SIGNATURE_BYTES[alg]
      if (size === undefined || signature.length !== size) return false
      // "Psychic signatures" (r = 0 or s = 0) must never verify, whatever the crypto backend does.
      if (isZero(signature, 0, size / 2) || isZero(signature, size / 2, size)) return false
      return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature)
    }
    case 'Ed':
      return verify(null, data, key, signature)
    default:
      return false
  }
}
