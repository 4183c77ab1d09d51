// Chooses which configured keys may verify a token, from its kid and alg, under the key source's kid rule.
import type { VerifyKey } from './keys.js'

/**
 * How a token's kid picks keys. IGNORE: single static keys (a PEM key, one JWK, secrets), as in Cube. EXACT: a JWKS given
 * in the settings, as jose's local key sets. REQUIRED: a remote JWKS, as Cube's jwk.ts and aws-jwt-verify.
 */
export const KidRule = { IGNORE: 'ignore', EXACT: 'exact', REQUIRED: 'required' } as const
export type KidRule = (typeof KidRule)[keyof typeof KidRule]

/** Stands for every kid the set does not name: they all get the same answer. */
const UNKNOWN_KID = Symbol('unknown kid')
type Slot = string | undefined | typeof UNKNOWN_KID

interface Choices {
  readonly kids: ReadonlySet<string | undefined>
  readonly byAlg: Map<string, Map<Slot, readonly VerifyKey[]>>
}

/** Answers per key set and rule (a frozen array cannot change, so neither can its answers); dropped with the set. */
const memo: Record<KidRule, WeakMap<readonly VerifyKey[], Choices>> = { ignore: new WeakMap(), exact: new WeakMap(), required: new WeakMap() }

/**
 * The keys that may verify a token. With EXACT and REQUIRED a kid selects only the key with that kid (a key without kid
 * never serves a token with one); without kid, EXACT needs exactly one suitable key (so an attacker cannot make us try
 * keys until one happens to fit) and REQUIRED refuses. IGNORE offers every suitable key: one, or the HMAC rotation list.
 */
export function selectKeys(keys: readonly VerifyKey[], kid: string | undefined, alg: string, rule: KidRule = KidRule.EXACT): readonly VerifyKey[] {
  if (!Object.isFrozen(keys)) return choose(keys, kid, alg, rule)
  let choices = memo[rule].get(keys)
  if (choices === undefined) memo[rule].set(keys, (choices = { kids: new Set(keys.map((key) => key.kid)), byAlg: new Map() }))
  // Kid and alg come from the token: entries exist only for the kids and algs the set itself names (plus one for no kid
  // and one for any other kid), so random kids or algs cannot grow the memo.
  const slot: Slot = kid === undefined || choices.kids.has(kid) ? kid : UNKNOWN_KID
  const cached = choices.byAlg.get(alg)?.get(slot)
  if (cached !== undefined) return cached
  const chosen = Object.freeze(choose(keys, kid, alg, rule))
  if (keys.some((key) => key.algorithms.includes(alg))) {
    let bySlot = choices.byAlg.get(alg)
    if (bySlot === undefined) choices.byAlg.set(alg, (bySlot = new Map()))
    bySlot.set(slot, chosen)
  }
  return chosen
}

function choose(keys: readonly VerifyKey[], kid: string | undefined, alg: string, rule: KidRule): VerifyKey[] {
  const suitable = keys.filter((key) => key.algorithms.includes(alg))
  if (rule === KidRule.IGNORE) return suitable
  if (kid !== undefined) return suitable.filter((key) => key.kid === kid)
  if (rule === KidRule.REQUIRED) return []
  return suitable.length === 1 ? suitable : []
}
