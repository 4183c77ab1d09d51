// Recognises key text in every common form (PEM, SSH, JWK/JWKS JSON, bare base64 DER), so none of it becomes an HMAC secret.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto'
import { isPlainObject } from './is-plain-object.js'

const PEM = /-----BEGIN ([A-Z0-9 ]{1,40})-----/
const SSH2 = /----\s*BEGIN SSH2 PUBLIC KEY\s*----/
const OPENSSH = /(?:^|\s)(ssh-(?:ed25519|ed448|rsa|dss)|ecdsa-sha2-[a-z0-9]+|sk-[a-z0-9-]+@openssh\.com)\s+AAAA[A-Za-z0-9+/]/
/** A JWK member name, also JSON-escaped (a JWK inside a JSON string) or cut out of a JWK by a comma split. */
const JWK_MEMBER = /\\*"kty\\*"\s*:/
/** Shorter than any DER public key (an Ed25519 SPKI is 44 bytes: 60 base64 characters). */
const MIN_DER_BASE64_LENGTH = 56

export interface DerKey {
  readonly key: KeyObject
  readonly form: 'SPKI' | 'X.509 certificate' | 'PKCS#1'
}

/** A public key or certificate in bare base64 DER (Keycloak's realm `public_key`, an `x5c` entry), or undefined. */
export function derPublicKey(text: string): DerKey | undefined {
  const compact = text.replace(/\s+/g, '')
  if (compact.length < MIN_DER_BASE64_LENGTH || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return undefined
  const der = Buffer.from(compact, /[-_]/.test(compact) ? 'base64url' : 'base64')
  // Every DER structure we look for is a SEQUENCE; anything else (most random secrets) is not parsed at all.
  if (der[0] !== 0x30) return undefined
  const attempts: Array<[DerKey['form'], () => KeyObject]> = [
    ['SPKI', () => createPublicKey({ key: der, format: 'der', type: 'spki' })],
    ['X.509 certificate', () => new X509Certificate(der).publicKey],
    ['PKCS#1', () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' })],
  ]
  for (const [form, attempt] of attempts) {
    try {
      return { key: attempt(), form }
    } catch {
      // Not this form; try the next.
    }
  }
  return undefined
}

/** JSON text, unwrapped from up to two JSON strings around it ("{\"kty\":...}"), or undefined when it is not JSON. */
function jsonValue(text: string): { value: unknown; wrapped: boolean } | undefined {
  let value: unknown = text
  let depth = 0
  for (; depth < 3 && typeof value === 'string'; depth++) {
    try {
      value = JSON.parse(value)
    } catch {
      break
    }
  }
  return depth === 0 ? undefined : { value, wrapped: depth > 1 }
}

function describeJson(text: string): string | undefined {
  const parsed = jsonValue(text.trim())
  if (parsed === undefined) return undefined
  const { value, wrapped } = parsed
  const inside = wrapped ? ' inside a JSON string' : ''
  if (isPlainObject(value) && Array.isArray(value.keys)) return `a JWKS${inside}`
  if (isPlainObject(value) && value.kty !== undefined) return `a JWK${inside}`
  if (Array.isArray(value) && value.some((item) => isPlainObject(item) && item.kty !== undefined)) return `a JSON array of JWKs${inside}`
  return undefined
}

/**
 * What kind of key text this is (for an error message: a kind, never the text), or undefined for anything else. Used on
 * every setting that would otherwise become an HMAC secret: whoever holds a public key could then mint valid tokens.
 */
export function describeKeyText(text: string): string | undefined {
  const pem = PEM.exec(text)
  if (pem !== null) return `a PEM block (${pem[1]})`
  if (SSH2.test(text)) return 'an SSH2 public key'
  const ssh = OPENSSH.exec(text)
  if (ssh !== null) return `an OpenSSH public key (${ssh[1]})`
  const json = describeJson(text)
  if (json !== undefined) return json
  if (JWK_MEMBER.test(text) || /^\s*\{[^]*"keys"\s*:/.test(text)) return 'JWK members'
  const der = derPublicKey(text)
  if (der !== undefined) return `a base64 DER public key (${der.form})`
  return undefined
}
