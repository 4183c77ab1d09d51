// The authorizer's single error type and the one place that maps an error code to an API Gateway outcome.

export const ErrorCode = {
  TOKEN_MISSING: 'token_missing',
  TOKEN_MALFORMED: 'token_malformed',
  CREDENTIALS_AMBIGUOUS: 'credentials_ambiguous',
  ALG_NOT_ALLOWED: 'alg_not_allowed',
  KEY_NOT_FOUND: 'key_not_found',
  SIGNATURE_INVALID: 'signature_invalid',
  TOKEN_EXPIRED: 'token_expired',
  TOKEN_NOT_YET_VALID: 'token_not_yet_valid',
  EXP_REQUIRED: 'exp_required',
  CLAIM_INVALID: 'claim_invalid',
  AUDIENCE_MISMATCH: 'audience_mismatch',
  ISSUER_MISMATCH: 'issuer_mismatch',
  SUBJECT_MISMATCH: 'subject_mismatch',
  PAYLOAD_INVALID: 'payload_invalid',
  CHECK_AUTH_REJECTED: 'check_auth_rejected',
  CHECK_AUTH_DENIED: 'check_auth_denied',
  CHECK_AUTH_FAILED: 'check_auth_failed',
  CONTEXT_TOO_LARGE: 'context_too_large',
  CONFIG_INVALID: 'config_invalid',
  EVENT_UNKNOWN: 'event_unknown',
  JWKS_UNAVAILABLE: 'jwks_unavailable',
  SSM_THROTTLED: 'ssm_throttled',
  SSM_UNAVAILABLE: 'ssm_unavailable',
  INTERNAL: 'internal_error',
  // API scopes and route requirements (issue 13): the request's route is not granted (simple responses, 403);
  // contextToApiScopes broke Cube's contract (500); the scoped policy does not fit 8 KB (500).
  ROUTE_DENIED: 'route_denied',
  API_SCOPES_INVALID: 'api_scopes_invalid',
  POLICY_TOO_LARGE: 'policy_too_large',
  // Identity providers (issue 14): iat missing or too old under AUTHORIZER_MAX_TOKEN_AGE_SECONDS; Cognito's token_use
  // is not AUTHORIZER_TOKEN_USE; OIDC discovery failed (500, like an unavailable JWKS).
  IAT_REQUIRED: 'iat_required',
  TOKEN_TOO_OLD: 'token_too_old',
  TOKEN_USE_MISMATCH: 'token_use_mismatch',
  OIDC_DISCOVERY_FAILED: 'oidc_discovery_failed',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export const Outcome = {
  ALLOW: 'allow',
  UNAUTHORIZED: 'unauthorized',
  DENY: 'deny',
  ERROR: 'error',
} as const

export type Outcome = (typeof Outcome)[keyof typeof Outcome]

// Messages are ours and never carry token, secret or claim values; `setting` names the setting at fault.
export class AuthorizerError extends Error {
  readonly code: ErrorCode
  readonly setting: string | undefined

  constructor(code: ErrorCode, message: string = code, options: { setting?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AuthorizerError'
    this.code = code
    this.setting = options.setting
  }
}

const DENY_CODES: ReadonlySet<ErrorCode> = new Set([ErrorCode.CHECK_AUTH_DENIED, ErrorCode.ROUTE_DENIED])
const ERROR_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.CHECK_AUTH_FAILED,
  ErrorCode.CONTEXT_TOO_LARGE,
  ErrorCode.CONFIG_INVALID,
  ErrorCode.EVENT_UNKNOWN,
  ErrorCode.JWKS_UNAVAILABLE,
  ErrorCode.SSM_THROTTLED,
  ErrorCode.SSM_UNAVAILABLE,
  ErrorCode.INTERNAL,
  ErrorCode.API_SCOPES_INVALID,
  ErrorCode.POLICY_TOO_LARGE,
  ErrorCode.OIDC_DISCOVERY_FAILED,
])

/** The one mapping from a failure to what API Gateway answers: 401, a Deny policy (403) or 500. */
export function outcomeOf(error: unknown): Outcome {
  if (!(error instanceof AuthorizerError)) return Outcome.ERROR
  if (DENY_CODES.has(error.code)) return Outcome.DENY
  if (ERROR_CODES.has(error.code)) return Outcome.ERROR
  return Outcome.UNAUTHORIZED
}

export function codeOf(error: unknown): ErrorCode {
  return error instanceof AuthorizerError ? error.code : ErrorCode.INTERNAL
}

export function configError(setting: string, message: string, cause?: unknown): AuthorizerError {
  return new AuthorizerError(ErrorCode.CONFIG_INVALID, `${setting}: ${message}`, { setting, cause })
}
