// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output; a shorter key verifies nothing unless opted in.
import type { SkipReporter, VerifyKey } from './keys.js'

/** Key bytes each HMAC algorithm needs (its hash output size). */
export const MIN_HMAC_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 }

/** The HMAC algorithms a key of this many bytes may verify. */
export function hmacAlgorithmsFor(bytes: number, algorithms: readonly string[]): string[] {
  return algorithms.filter((alg) => bytes >= (MIN_HMAC_KEY_BYTES[alg] ?? Number.POSITIVE_INFINITY))
}

/**
 * Narrows each secret key to the algorithms its length allows; a secret too short for all of them is reported and
 * dropped. With AUTHORIZER_ALLOW_WEAK_HMAC_KEY=true (allowWeak) the keys are left as they are.
 */
export function applyHmacStrength(keys: readonly VerifyKey[], allowWeak: boolean, onSkip: SkipReporter): VerifyKey[] {
  if (allowWeak) return [...keys]
  const strong: VerifyKey[] = []
  keys.forEach((key, index) => {
    if (key.key.type !== 'secret') return void strong.push(key)
    const algorithms = hmacAlgorithmsFor(key.key.symmetricKeySize ?? 0, key.algorithms)
    if (algorithms.length === 0) onSkip(index, `HMAC key shorter than ${Math.min(...key.algorithms.map((alg) => MIN_HMAC_KEY_BYTES[alg] ?? 0))} bytes`)
    else strong.push({ ...key, algorithms })
  })
  return strong
}

/** Whether any secret key is shorter than one of its algorithms asks for (for the weak_hmac_key warning). */
export function hasWeakHmacKey(keys: readonly VerifyKey[]): boolean {
  return keys.some((key) => key.key.type === 'secret' && hmacAlgorithmsFor(key.key.symmetricKeySize ?? 0, key.algorithms).length < key.algorithms.length)
}
