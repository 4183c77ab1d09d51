// Chooses which configured keys may verify a token, from its kid and alg.
import type { VerifyKey } from './keys.js'

/**
 * Keys with the token's kid; keys that declare no kid (a PEM key, a secret) serve any kid, as in Cube.
 * A token without kid is tried against every secret only for HMAC rotation (CUBEJS_API_SECRETS); with key sets it needs
 * exactly one suitable key, so an attacker cannot make us try keys until one happens to fit.
 */
export function selectKeys(keys: readonly VerifyKey[], kid: string | undefined, alg: string): VerifyKey[] {
  const suitable = keys.filter((key) => key.algorithms.includes(alg))
  if (kid !== undefined) {
    const byKid = suitable.filter((key) => key.kid === kid)
    return byKid.length > 0 ? byKid : suitable.filter((key) => key.kid === undefined)
  }
  if (suitable.length > 1 && suitable.every((key) => key.key.type === 'secret' && key.kid === undefined)) return suitable
  return suitable.length === 1 ? suitable : []
}
