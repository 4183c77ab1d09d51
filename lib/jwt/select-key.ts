// Chooses which configured keys may verify a token, from its kid and alg.
import type { VerifyKey } from './keys.js'

/** Stands for every kid the set does not name: they all get the same answer (the keys that declare no kid). */
const UNKNOWN_KID = Symbol('unknown kid')
type Slot = string | undefined | typeof UNKNOWN_KID

interface Choices {
  readonly kids: ReadonlySet<string | undefined>
  readonly byAlg: Map<string, Map<Slot, readonly VerifyKey[]>>
}

/** Answers per key set (a frozen array cannot change, so neither can its answers); dropped with the set. */
const memo = new WeakMap<readonly VerifyKey[], Choices>()

/**
 * Keys with the token's kid; keys that declare no kid (a PEM key, a secret) serve any kid, as in Cube.
 * A token without kid is tried against every secret only for HMAC rotation (CUBEJS_API_SECRETS); with key sets it needs
 * exactly one suitable key, so an attacker cannot make us try keys until one happens to fit.
 */
export function selectKeys(keys: readonly VerifyKey[], kid: string | undefined, alg: string): readonly VerifyKey[] {
  if (!Object.isFrozen(keys)) return choose(keys, kid, alg)
  let choices = memo.get(keys)
  if (choices === undefined) memo.set(keys, (choices = { kids: new Set(keys.map((key) => key.kid)), byAlg: new Map() }))
  // Kid and alg come from the token: entries exist only for the kids and algs the set itself names (plus one for no kid
  // and one for any other kid), so random kids or algs cannot grow the memo.
  const slot: Slot = kid === undefined || choices.kids.has(kid) ? kid : UNKNOWN_KID
  const cached = choices.byAlg.get(alg)?.get(slot)
  if (cached !== undefined) return cached
  const chosen = Object.freeze(choose(keys, kid, alg))
  if (keys.some((key) => key.algorithms.includes(alg))) {
    let bySlot = choices.byAlg.get(alg)
    if (bySlot === undefined) choices.byAlg.set(alg, (bySlot = new Map()))
    bySlot.set(slot, chosen)
  }
  return chosen
}

function choose(keys: readonly VerifyKey[], kid: string | undefined, alg: string): VerifyKey[] {
  const suitable = keys.filter((key) => key.algorithms.includes(alg))
  if (kid !== undefined) {
    const byKid = suitable.filter((key) => key.kid === kid)
    return byKid.length > 0 ? byKid : suitable.filter((key) => key.kid === undefined)
  }
  if (suitable.length > 1 && suitable.every((key) => key.key.type === 'secret' && key.kid === undefined)) return suitable
  return suitable.length === 1 ? suitable : []
}
