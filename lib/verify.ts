// Verifies a compact JWT: structure, allowed alg, key choice, signature, then Cube's claim rules.
import { checkClaims, type ClaimRules } from './claims.js'
import { AuthorizerError, ErrorCode } from './errors.js'
import { decodeJsonSegment, decodeJws, verifySignature } from './jws.js'
import type { VerifyKey } from './keys.js'
import { selectKeys } from './select-key.js'

export interface VerifiedToken {
  readonly alg: string
  readonly kid: string | undefined
  readonly payload: Record<string, unknown>
}

export interface VerifyOptions extends ClaimRules {
  readonly algorithms: readonly string[]
  /** Resolves the candidate key set for a kid (static keys, or a JWKS cache, possibly chosen by the unverified `iss`). */
  readonly keysFor: (kid: string | undefined, issuer: () => unknown) => readonly VerifyKey[] | Promise<readonly VerifyKey[]>
}

/** Reports alg and kid of what was decoded even when verification fails, for the decision log. */
export interface VerifyProgress {
  alg?: string
  kid?: string | undefined
}

/** alg comes from the attacker's header (up to the token size): log it only when it looks like an algorithm name. */
export function loggableAlg(alg: string): string {
  return /^[A-Za-z0-9._+-]{1,32}$/.test(alg) ? alg : '[unprintable]'
}

export async function verifyToken(token: string, options: VerifyOptions, nowSeconds: number, progress: VerifyProgress = {}): Promise<VerifiedToken> {
  const jws = decodeJws(token)
  progress.alg = loggableAlg(jws.alg)
  progress.kid = jws.kid
  // The allow-list is checked before any key is touched: `none` and unlisted algorithms never reach crypto.
  if (!options.algorithms.includes(jws.alg)) throw new AuthorizerError(ErrorCode.ALG_NOT_ALLOWED, 'alg not allowed')
  let payload: Record<string, unknown> | undefined
  const decodePayload = () => (payload ??= decodeJsonSegment(jws.payloadSegment, 'payload'))
  const candidates = selectKeys(await options.keysFor(jws.kid, () => decodePayload().iss), jws.kid, jws.alg)
  if (candidates.length === 0) throw new AuthorizerError(ErrorCode.KEY_NOT_FOUND, 'no key for kid and alg')
  if (!candidates.some((key) => safeVerify(jws.alg, key, jws.signingInput, jws.signature)))
    throw new AuthorizerError(ErrorCode.SIGNATURE_INVALID, 'signature invalid')
  const claims = decodePayload()
  checkClaims(claims, options, nowSeconds)
  return { alg: jws.alg, kid: jws.kid, payload: claims }
}

function safeVerify(alg: string, key: VerifyKey, data: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature(alg, key.key, data, signature)
  } catch {
    // OpenSSL throws on some malformed signatures; a throw is a failed verification, never a crash.
    return false
  }
}
