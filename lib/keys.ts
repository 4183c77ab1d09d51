// Turns key settings (PEM, certificate, JWK, JWKS, HMAC secrets) into verification keys with their allowed algorithms.
import { X509Certificate, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { algorithmsForKey, keyProblem } from './algorithms.js'
import { configError } from './errors.js'
import { isPlainObject } from './is-plain-object.js'
import { strictBase64url } from './jws-segment.js'
import { derPublicKey, describeKeyText } from './public-key-text.js'

export interface VerifyKey {
  readonly kid: string | undefined
  readonly key: KeyObject
  /** Algorithms this key may verify: its type's algorithms, narrowed to the JWK's `alg` when it has one. */
  readonly algorithms: readonly string[]
}

/** Reports a key that cannot serve; `setting` names where it came from when that is not CUBEJS_JWT_KEY. */
export type SkipReporter = (index: number, reason: string, setting?: string) => void

/** Why a key was refused that no setting may hold (a weak key): in a JWKS given in the settings it is a configuration error. */
export const K_INVALID = 'k is missing, empty or not canonical base64url'
const REFUSED_IN_SETTINGS = /^(k is|RSA public exponent|Ed448)/

/** Imports one public JWK; returns a reason string instead of a key when it cannot serve signatures. */
export function importJwk(jwk: unknown, allowSymmetric = false): VerifyKey | string {
  if (!isPlainObject(jwk)) return 'not an object'
  const { kty, kid, alg, use } = jwk
  if (typeof kty !== 'string') return 'missing kty'
  if (kid !== undefined && typeof kid !== 'string') return 'kid is not a string'
  if (alg !== undefined && typeof alg !== 'string') return 'alg is not a string'
  if (use !== undefined && use !== 'sig') return 'use is not sig'
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return 'key_ops lacks verify'
  let key: KeyObject
  try {
    if (kty === 'oct') {
      if (!allowSymmetric) return 'symmetric key in a key set'
      // As strict as token segments: a lenient decoder drops invalid characters, so "A" or "!!!!" became an empty key.
      const bytes = typeof jwk.k === 'string' ? strictBase64url(jwk.k) : undefined
      if (bytes === undefined || bytes.length === 0) return K_INVALID
      key = createSecretKey(bytes)
    } else if (kty === 'RSA' || kty === 'EC' || kty === 'OKP') {
      // A private member means private material was published: refuse it rather than quietly derive the public half.
      if (jwk.d !== undefined || jwk.p !== undefined) return 'private key material'
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    } else {
      return 'unsupported kty'
    }
  } catch {
    return 'invalid key parameters'
  }
  const problem = keyProblem(key)
  if (problem !== undefined) return problem
  let algorithms = algorithmsForKey(key)
  if (algorithms.length === 0) return 'unsupported key type or size'
  if (alg !== undefined) {
    if (!algorithms.includes(alg)) return 'alg does not match the key'
    algorithms = [alg]
  }
  return { kid, key, algorithms }
}

/** A deep-frozen copy: nothing holding a key set can widen it, and answers derived from it (selectKeys) stay valid. */
export function frozenKeys(keys: readonly VerifyKey[]): readonly VerifyKey[] {
  return Object.freeze(keys.map((k) => Object.freeze({ ...k, algorithms: Object.freeze([...k.algorithms]) })))
}

/** Imports a JWKS, skipping (and reporting) keys that cannot serve; duplicate kids are all skipped. */
export function importJwks(jwks: unknown, onSkip: SkipReporter, allowSymmetric = false): VerifyKey[] {
  if (!isPlainObject(jwks) || !Array.isArray(jwks.keys)) return []
  const imported: Array<VerifyKey | undefined> = []
  const kidCount = new Map<string, number>()
  jwks.keys.forEach((jwk: unknown, index: number) => {
    const result = importJwk(jwk, allowSymmetric)
    if (typeof result === 'string') {
      onSkip(index, result)
      imported.push(undefined)
      return
    }
    if (result.kid !== undefined) kidCount.set(result.kid, (kidCount.get(result.kid) ?? 0) + 1)
    imported.push(result)
  })
  const keys: VerifyKey[] = []
  imported.forEach((key, index) => {
    if (key === undefined) return
    // Two keys under one kid make the choice ambiguous; serving either could verify with the wrong key.
    if (key.kid !== undefined && (kidCount.get(key.kid) ?? 0) > 1) onSkip(index, 'duplicate kid')
    else keys.push(key)
  })
  return keys
}

/** A static public key: refused at configuration time when it is weak or unsupported. */
function publicVerifyKey(key: KeyObject, setting: string): VerifyKey {
  const problem = keyProblem(key)
  if (problem !== undefined) throw configError(setting, `holds a key that must not verify tokens (${problem})`)
  return { kid: undefined, key, algorithms: algorithmsForKey(key) }
}

function importPem(text: string, setting: string): VerifyKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw configError(setting, 'holds a private key; give the public key')
  let key: KeyObject
  try {
    key = text.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(text).publicKey : createPublicKey({ key: text, format: 'pem' })
  } catch {
    // No cause attached: parser messages may quote the setting's text.
    throw configError(setting, 'is not a usable PEM public key or certificate (RSA >= 2048 bits, EC P-256/384/521, Ed25519)')
  }
  return publicVerifyKey(key, setting)
}

/**
 * Cube's CUBEJS_JWT_KEY: a PEM key or certificate, a JWK, a JWKS, bare base64 DER of a public key or certificate
 * (Keycloak's realm `public_key`), or else an HMAC secret, which must not look like key text of any other form.
 */
export function parseKeySetting(text: string, setting: string, onSkip: SkipReporter): VerifyKey[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) return [importPem(trimmed, setting)]
  const der = derPublicKey(trimmed)
  if (der !== undefined) return [publicVerifyKey(der.key, setting)]
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch {
      // No cause attached: JSON.parse quotes the input, which may be a secret.
      throw configError(setting, 'starts with { but is not valid JSON')
    }
    if (isPlainObject(json) && Array.isArray(json.keys)) {
      // Keys given in the settings are checked like a PEM key: a weak one is a configuration error, not a skip.
      const keys = importJwks(json, (index, reason) => {
        if (REFUSED_IN_SETTINGS.test(reason)) throw configError(setting, `key ${index} of the JWKS cannot be used (${reason})`)
        onSkip(index, reason)
      }, true)
      if (keys.length === 0) throw configError(setting, 'holds a JWKS with no usable signing key')
      return keys
    }
    const key = importJwk(json, true)
    if (typeof key === 'string') throw configError(setting, `holds a JWK that cannot verify signatures (${key})`)
    return [key]
  }
  return [secretKey(text, setting)]
}

/** Whether CUBEJS_JWT_KEY text is a JWKS (`{"keys":[...]}`): its keys are then chosen by exact kid, as in jose. */
export function isJwksText(text: string): boolean {
  try {
    const json: unknown = JSON.parse(text)
    return isPlainObject(json) && Array.isArray(json.keys)
  } catch {
    return false
  }
}

/** Refuses key text of any form in a setting that becomes an HMAC secret; the error says what was found, never the text. */
export function refuseKeyText(text: string, setting: string): void {
  // Public key text used as an HMAC secret is the classic algorithm-confusion setup: whoever holds the public key
  // could mint tokens. Private key text is refused too: it has no business in a secret either.
  const found = describeKeyText(text)
  if (found !== undefined) throw configError(setting, `holds ${found}, not an HMAC secret; put public keys in CUBEJS_JWT_KEY`)
}

/** An HMAC secret, as Cube uses it: the UTF-8 bytes of the setting, untrimmed. */
export function secretKey(secret: string, setting: string): VerifyKey {
  if (secret.trim().length === 0) throw configError(setting, 'is empty')
  refuseKeyText(secret, setting)
  return { kid: undefined, key: createSecretKey(Buffer.from(secret, 'utf8')), algorithms: ['HS256', 'HS384', 'HS512'] }
}
