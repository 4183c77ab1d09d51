// Verifies a compact JWT: structure, allowed alg, key choice, signature, then Cube's claim rules.
import { checkClaims, type ClaimRules } from './claims.js'
import { AuthorizerError, ErrorCode } from './errors.js'
import { decodeJws, decodePayload, verifySignature, type DecodedJws, type DecodedPayload } from './jws.js'
import type { VerifyKey } from './keys.js'
import { KidRule, selectKeys } from './select-key.js'

export interface VerifiedToken {
  readonly alg: string
  readonly kid: string | undefined
  readonly payload: Record<string, unknown>
}

export interface VerifiedTokenWithJson extends VerifiedToken {
  /** The JSON text `payload` was just parsed from; nothing else holds `payload`, so the caller may take it over. */
  readonly payloadJson: string
}

export interface VerifyOptions extends ClaimRules {
  readonly algorithms: readonly string[]
  /** How the token's kid chooses among the keys (see select-key.ts); default EXACT. */
  readonly kidRule?: KidRule
  /**
   * Resolves the candidate key set for a kid (static keys, or a JWKS cache, possibly chosen by the unverified `iss`);
   * it may note in `progress.keys` where the keys came from.
   */
  readonly keysFor: (kid: string | undefined, issuer: () => unknown, progress: VerifyProgress) => readonly VerifyKey[] | Promise<readonly VerifyKey[]>
}

/** Reports what was decoded (alg, kid) and where the keys came from even when verification fails, for the decision log. */
export interface VerifyProgress {
  alg?: string
  kid?: string | undefined
  keys?: string
}

/** alg comes from the attacker's header (up to the token size): log it only when it looks like an algorithm name. */
export function loggableAlg(alg: string): string {
  return /^[A-Za-z0-9._+-]{1,32}$/.test(alg) ? alg : '[unprintable]'
}

export async function verifyToken(token: string, options: VerifyOptions, nowSeconds: number, progress: VerifyProgress = {}): Promise<VerifiedToken> {
  const { alg, kid, payload } = await verifyTokenWithJson(token, options, nowSeconds, progress)
  return { alg, kid, payload }
}

/**
 * verifyToken that also hands over the payload's JSON text (the authorizer uses it to skip a needless copy). With keys
 * at hand (static keys) it answers, or throws, without a promise: the authorizer then never waits a microtask turn.
 */
export function verifyTokenWithJson(
  token: string,
  options: VerifyOptions,
  nowSeconds: number,
  progress: VerifyProgress = {},
): VerifiedTokenWithJson | Promise<VerifiedTokenWithJson> {
  const jws = decodeJws(token)
  const allowed = options.algorithms.includes(jws.alg)
  // An allowed alg is one of the configured names, so only another one needs the printable check.
  progress.alg = allowed ? jws.alg : loggableAlg(jws.alg)
  progress.kid = jws.kid
  // The allow-list is checked before any key is touched: `none` and unlisted algorithms never reach crypto.
  if (!allowed) throw new AuthorizerError(ErrorCode.ALG_NOT_ALLOWED, 'alg not allowed')
  // Decoded before the signature only when the key source must read the (unverified) iss.
  let payload: DecodedPayload | undefined
  const found = options.keysFor(jws.kid, () => (payload ??= decodePayload(jws)).claims.iss, progress)
  if (isKeyList(found)) return verifyWithKeys(jws, found, payload, options, nowSeconds)
  return found.then((keys) => verifyWithKeys(jws, keys, payload, options, nowSeconds))
}

const isKeyList = (found: readonly VerifyKey[] | Promise<readonly VerifyKey[]>): found is readonly VerifyKey[] => Array.isArray(found)

function verifyWithKeys(jws: DecodedJws, keys: readonly VerifyKey[], decoded: DecodedPayload | undefined, options: VerifyOptions, nowSeconds: number): VerifiedTokenWithJson {
  const candidates = selectKeys(keys, jws.kid, jws.alg, options.kidRule ?? KidRule.EXACT)
  if (candidates.length === 0) throw new AuthorizerError(ErrorCode.KEY_NOT_FOUND, 'no key for kid and alg')
  if (!anyVerifies(jws, candidates)) throw new AuthorizerError(ErrorCode.SIGNATURE_INVALID, 'signature invalid')
  const { claims, json } = decoded ?? decodePayload(jws)
  checkClaims(claims, options, nowSeconds)
  return { alg: jws.alg, kid: jws.kid, payload: claims, payloadJson: json }
}

function anyVerifies(jws: DecodedJws, candidates: readonly VerifyKey[]): boolean {
  for (const key of candidates) if (safeVerify(jws.alg, key, jws.signingInput, jws.signature)) return true
  return false
}

function safeVerify(alg: string, key: VerifyKey, signingInput: string, signature: Buffer): boolean {
  try {
    return verifySignature(alg, key.key, signingInput, signature)
  } catch {
    // OpenSSL throws on some malformed signatures; a throw is a failed verification, never a crash.
    return false
  }
}
