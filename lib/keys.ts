// Turns key settings (PEM, certificate, JWK, JWKS, HMAC secrets) into verification keys with their allowed algorithms.
import { X509Certificate, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { algorithmsForKey } from './algorithms.js'
import { configError } from './errors.js'
import { isPlainObject } from './is-plain-object.js'

export interface VerifyKey {
  readonly kid: string | undefined
  readonly key: KeyObject
  /** Algorithms this key may verify: its type's algorithms, narrowed to the JWK's `alg` when it has one. */
  readonly algorithms: readonly string[]
}

export type SkipReporter = (index: number, reason: string) => void

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
      if (typeof jwk.k !== 'string' || jwk.k.length === 0) return 'missing k'
      key = createSecretKey(Buffer.from(jwk.k, 'base64url'))
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

function importPem(text: string, setting: string): VerifyKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw configError(setting, 'holds a private key; give the public key')
  try {
    const key = text.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(text).publicKey
      : createPublicKey({ key: text, format: 'pem' })
    const algorithms = algorithmsForKey(key)
    if (algorithms.length === 0) throw new Error('unsupported key')
    return { kid: undefined, key, algorithms }
  } catch {
    // No cause attached: parser messages may quote the setting's text. .env files and CI variables often hold a PEM
    // on one line with literal \n sequences, which no PEM parser reads: say so, without quoting the value.
    const hint = text.includes('\\n') ? '; it contains a literal \\n (backslash-n): put real line breaks in the value' : ''
    throw configError(setting, `is not a usable PEM public key or certificate (RSA >= 2048 bits, EC P-256/384/521, Ed25519/Ed448)${hint}`)
  }
}

/** Cube's CUBEJS_JWT_KEY: a PEM key or certificate, a JWK, a JWKS, or else an HMAC secret. */
export function parseKeySetting(text: string, setting: string, onSkip: SkipReporter): VerifyKey[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) return [importPem(trimmed, setting)]
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch {
      // No cause attached: JSON.parse quotes the input, which may be a secret.
      throw configError(setting, 'starts with { but is not valid JSON')
    }
    if (isPlainObject(json) && Array.isArray(json.keys)) {
      const keys = importJwks(json, onSkip, true)
      if (keys.length === 0) throw configError(setting, 'holds a JWKS with no usable signing key')
      return keys
    }
    const key = importJwk(json, true)
    if (typeof key === 'string') throw configError(setting, `holds a JWK that cannot verify signatures (${key})`)
    return [key]
  }
  return [secretKey(text, setting)]
}

/** An HMAC secret, as Cube uses it: the UTF-8 bytes of the setting, untrimmed. */
export function secretKey(secret: string, setting: string): VerifyKey {
  if (secret.trim().length === 0) throw configError(setting, 'is empty')
  // Public key text used as an HMAC secret is the classic algorithm-confusion setup: refuse it outright.
  // A JWK's members come in any order (sorted output puts "alg" or "e" first), so look for kty/keys anywhere in it.
  if (/-----BEGIN [A-Z ]*(PUBLIC KEY|CERTIFICATE)-----/.test(secret) || /^\s*\{[^]*"(kty|keys)"\s*:/.test(secret))
    throw configError(setting, 'looks like public key material; put public keys in CUBEJS_JWT_KEY')
  return { kid: undefined, key: createSecretKey(Buffer.from(secret, 'utf8')), algorithms: ['HS256', 'HS384', 'HS512'] }
}
