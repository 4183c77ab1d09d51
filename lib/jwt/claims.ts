// Registered-claim checks with Cube's semantics (exp optional unless required, aud/iss/sub as configured).
import { AuthorizerError, ErrorCode } from '../errors.js'

export interface ClaimRules {
  readonly audience: string | undefined
  readonly issuers: readonly string[] | undefined
  readonly subject: string | undefined
  readonly clockToleranceSeconds: number
  readonly requireExp: boolean
  /** AUTHORIZER_MAX_TOKEN_AGE_SECONDS: iat is required and may be at most this old (plus the clock tolerance). */
  readonly maxTokenAgeSeconds?: number | undefined
  /** AUTHORIZER_TOKEN_USE: Cognito's token_use must equal it; `access` also moves the audience check to client_id. */
  readonly tokenUse?: TokenUse | undefined
}

export const TokenUse = { ACCESS: 'access', ID: 'id' } as const
export type TokenUse = (typeof TokenUse)[keyof typeof TokenUse]

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
  const iat = numericDate(payload, 'iat')
  if (exp === undefined) {
    if (rules.requireExp) throw fail(ErrorCode.EXP_REQUIRED, 'exp is required')
  } else if (now >= exp + tolerance) {
    throw fail(ErrorCode.TOKEN_EXPIRED, 'token expired')
  }
  if (nbf !== undefined && now < nbf - tolerance) throw fail(ErrorCode.TOKEN_NOT_YET_VALID, 'token not yet valid')
  if (rules.maxTokenAgeSeconds !== undefined) checkTokenAge(iat, rules.maxTokenAgeSeconds, tolerance, now)
  if (rules.tokenUse !== undefined && payload.token_use !== rules.tokenUse) throw fail(ErrorCode.TOKEN_USE_MISMATCH, 'token_use does not match')

  if (rules.audience !== undefined) checkAudience(payload, rules.audience, rules.tokenUse === TokenUse.ACCESS)
  if (rules.issuers !== undefined) {
    const iss = payload.iss
    if (typeof iss !== 'string' || !rules.issuers.includes(iss)) throw fail(ErrorCode.ISSUER_MISMATCH, 'iss does not match')
  }
  if (rules.subject !== undefined && payload.sub !== rules.subject) throw fail(ErrorCode.SUBJECT_MISMATCH, 'sub does not match')
}

/** As jose's maxTokenAge: age beyond the limit (plus tolerance) is too old; an iat beyond the tolerance in the future is not yet valid. */
function checkTokenAge(iat: number | undefined, maxAgeSeconds: number, tolerance: number, now: number): void {
  if (iat === undefined) throw fail(ErrorCode.IAT_REQUIRED, 'iat is required')
  const age = now - iat
  if (age - tolerance > maxAgeSeconds) throw fail(ErrorCode.TOKEN_TOO_OLD, 'token too old')
  if (age < -tolerance) throw fail(ErrorCode.TOKEN_NOT_YET_VALID, 'iat is in the future')
}

/**
 * Cognito access tokens carry no aud: the app client is `client_id` (as API Gateway's JWT authorizer and aws-jwt-verify
 * read it). Such a token must not carry a different aud either, so that no claim names another audience.
 */
function checkAudience(payload: Record<string, unknown>, audience: string, clientIdIsAudience: boolean): void {
  const aud = payload.aud
  if (clientIdIsAudience) {
    if (payload.client_id !== audience || (aud !== undefined && aud !== audience)) throw fail(ErrorCode.AUDIENCE_MISMATCH, 'client_id does not match')
    return
  }
  const matches = typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)
  if (!matches) throw fail(ErrorCode.AUDIENCE_MISMATCH, 'aud does not match')
}

/** Seconds since `iat`, for logs only; undefined when absent or not a number. */
export function tokenAgeSeconds(payload: Record<string, unknown>, nowSeconds: number): number | undefined {
  return typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? Math.floor(nowSeconds - payload.iat) : undefined
}
