// Registered-claim checks with Cube's semantics (exp optional unless required, aud/iss/sub as configured).
import { AuthorizerError, ErrorCode } from '../errors.js'

export interface ClaimRules {
  readonly audience: string | undefined
  readonly issuers: readonly string[] | undefined
  readonly subject: string | undefined
  readonly clockToleranceSeconds: number
  readonly requireExp: boolean
}

const fail = (code: ErrorCode, message: string) => new AuthorizerError(code, message)

function numericDate(payload: Record<string, unknown>, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[claim]
  if (value === undefined) return undefined
  // A string "exp" would compare loosely in JavaScript; only a finite JSON number is a NumericDate.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(ErrorCode.CLAIM_INVALID, `${claim} is not a number`)
  return value
}

/** Throws an AuthorizerError naming the failed check; `nowSeconds` may be fractional. */
export function checkClaims(payload: Record<string, unknown>, rules: ClaimRules, nowSeconds: number): void {
  const now = Math.floor(nowSeconds)
  const tolerance = rules.clockToleranceSeconds
  const exp = numericDate(payload, 'exp')
  const nbf = numericDate(payload, 'nbf')
  numericDate(payload, 'iat')
  if (exp === undefined) {
    if (rules.requireExp) throw fail(ErrorCode.EXP_REQUIRED, 'exp is required')
  } else if (now >= exp + tolerance) {
    throw fail(ErrorCode.TOKEN_EXPIRED, 'token expired')
  }
  if (nbf !== undefined && now < nbf - tolerance) throw fail(ErrorCode.TOKEN_NOT_YET_VALID, 'token not yet valid')

  if (rules.audience !== undefined) {
    const aud = payload.aud
    const matches = typeof aud === 'string' ? aud === rules.audience : Array.isArray(aud) && aud.includes(rules.audience)
    if (!matches) throw fail(ErrorCode.AUDIENCE_MISMATCH, 'aud does not match')
  }
  if (rules.issuers !== undefined) {
    const iss = payload.iss
    if (typeof iss !== 'string' || !rules.issuers.includes(iss)) throw fail(ErrorCode.ISSUER_MISMATCH, 'iss does not match')
  }
  if (rules.subject !== undefined && payload.sub !== rules.subject) throw fail(ErrorCode.SUBJECT_MISMATCH, 'sub does not match')
}

/** Seconds since `iat`, for logs only; undefined when absent or not a number. */
export function tokenAgeSeconds(payload: Record<string, unknown>, nowSeconds: number): number | undefined {
  return typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? Math.floor(nowSeconds - payload.iat) : undefined
}
