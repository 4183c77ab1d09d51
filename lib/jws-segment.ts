// Base64url segments of a compact JWS (their characters already checked): strict, canonical decoding to JSON objects.
import { AuthorizerError, ErrorCode } from './errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export const malformed = (message: string) => new AuthorizerError(ErrorCode.TOKEN_MALFORMED, message)

/** A segment already known to hold only base64url characters (the whole token is checked at once). */
export function decodeSegment(segment: string, what: string): Buffer {
  // length % 4 === 1 can never be valid base64url; Buffer would silently drop the stray character.
  if (segment.length % 4 === 1) throw malformed(`${what} is not base64url`)
  // Decoders ignore the unused low bits of the last character, so up to 16 spellings decode alike: accepting only the
  // canonical one keeps a token's string unique (no signature "twins" that slip past token-string deny lists or caches).
  if (!canonicalEnd(segment)) throw malformed(`${what} is not canonical base64url`)
  return Buffer.from(segment, 'base64url')
}

/** Strict, canonical base64url of any text (a JWK's `k`): the rules of token segments; undefined when it breaks them. */
export function strictBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1 || !canonicalEnd(text)) return undefined
  return Buffer.from(text, 'base64url')
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Unused low bits of the last character, by segment length % 4 (1 never gets here). */
const UNUSED_BITS: readonly number[] = [0, 0, 4, 2]

/**
 * For a segment of alphabet characters only, the same as re-encoding the bytes and comparing, without doing so: a
 * final group of 2 (or 3) characters carries 8 (or 16) bits in 12 (or 18), and the 4 (or 2) bits left over must be zero.
 */
function canonicalEnd(segment: string): boolean {
  const unusedBits = UNUSED_BITS[segment.length % 4] ?? 0
  return (BASE64URL_ALPHABET.indexOf(segment.charAt(segment.length - 1)) & ((1 << unusedBits) - 1)) === 0
}

/**
 * UTF-8 text, refusing invalid UTF-8. Buffer's decoder is the fast one but replaces invalid bytes with U+FFFD, so text
 * holding U+FFFD is decoded again by the strict decoder, which throws on invalid bytes and accepts a U+FFFD that was
 * genuinely encoded (EF BF BD).
 */
function utf8Text(bytes: Buffer): string {
  const text = bytes.toString('utf8')
  return text.includes('\uFFFD') ? utf8.decode(bytes) : text
}

/** Parses a JSON object from a segment. */
export function parseSegment(segment: string, what: string): Record<string, unknown> {
  return parseJsonObject(segmentText(segment, what), what)
}

/** The UTF-8 text of a segment; invalid UTF-8 is malformed. */
export function segmentText(segment: string, what: string): string {
  try {
    return utf8Text(decodeSegment(segment, what))
  } catch (cause) {
    if (cause instanceof AuthorizerError) throw cause
    throw malformed(`${what} is not JSON`)
  }
}

/** A JSON object from text; arrays, primitives and invalid JSON are malformed. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw malformed(`${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} is not a JSON object`)
  return value as Record<string, unknown>
}
