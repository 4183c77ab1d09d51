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

/** The algorithms a key can honestly verify; empty when the key is unusable. */
export function algorithmsForKey(key: KeyObject): readonly string[] {
  if (key.type === 'secret') return HMAC_ALGORITHMS
  if (key.type !== 'public') return []
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (details.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS ? RSA_ALGORITHMS : []
    case 'rsa-pss':
      return (details.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS ? RSA_ALGORITHMS.filter((a) => a.startsWith('PS')) : []
    case 'ec': {
      const alg = CURVE_ALGORITHM[details.namedCurve ?? '']
      return alg === undefined ? [] : [alg]
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519']
    case 'ed448':
      return ['EdDSA']
    default:
      return []
  }
}
