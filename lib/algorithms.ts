// The JWS algorithms we verify, and which algorithms a given key may verify (the defence against key confusion).
import type { KeyObject } from 'node:crypto'

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const
export const SUPPORTED_ALGORITHMS: readonly string[] = [
  ...HMAC_ALGORITHMS,
  ...RSA_ALGORITHMS,
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

const CURVE_ALGORITHM: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

/** jose (and RFC 7518 in spirit) refuse RSA moduli under 2048 bits; so do we. */
export const MIN_RSA_MODULUS_BITS = 2048

/** Why a public key must not verify anything (RFC 8017 and jose 6's rules), or undefined when it may. */
export function keyProblem(key: KeyObject): string | undefined {
  if (key.type === 'secret') return undefined
  if (key.type !== 'public') return 'not a public key'
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      if ((details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) return `RSA modulus under ${MIN_RSA_MODULUS_BITS} bits`
      // e = 1 makes every "signature" its own message; an even e is no RSA key at all.
      const e = details.publicExponent ?? 0n
      return e < 3n || e % 2n === 0n ? 'RSA public exponent is not odd and at least 3' : undefined
    }
    case 'ec':
      return CURVE_ALGORITHM[details.namedCurve ?? ''] === undefined ? 'unsupported EC curve' : undefined
    case 'ed25519':
      return undefined
    case 'ed448':
      return 'Ed448 key: EdDSA means Ed25519 only'
    default:
      return 'unsupported key type'
  }
}

/** The algorithms a key can honestly verify; empty when the key is unusable (see keyProblem). */
export function algorithmsForKey(key: KeyObject): readonly string[] {
  if (key.type === 'secret') return HMAC_ALGORITHMS
  if (keyProblem(key) !== undefined) return []
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA_ALGORITHMS
    case 'rsa-pss':
      return RSA_ALGORITHMS.filter((a) => a.startsWith('PS'))
    case 'ec':
      return [CURVE_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? '']
    case 'ed25519':
      return ['EdDSA', 'Ed25519']
    default:
      return []
  }
}
