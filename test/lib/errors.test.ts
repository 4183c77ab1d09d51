// Unit tests for the single error type and the one code -> outcome table.
import { describe, expect, it } from 'vitest'
import { AuthorizerError, codeOf, configError, ErrorCode, Outcome, outcomeOf } from '../../lib/errors.js'

/** The full table, written out: adding an ErrorCode makes the completeness test fail until someone decides its outcome. */
const EXPECTED_OUTCOME: Readonly<Record<ErrorCode, Outcome>> = {
  token_missing: 'unauthorized',
  token_malformed: 'unauthorized',
  credentials_ambiguous: 'unauthorized',
  alg_not_allowed: 'unauthorized',
  key_not_found: 'unauthorized',
  signature_invalid: 'unauthorized',
  token_expired: 'unauthorized',
  token_not_yet_valid: 'unauthorized',
  exp_required: 'unauthorized',
  claim_invalid: 'unauthorized',
  audience_mismatch: 'unauthorized',
  issuer_mismatch: 'unauthorized',
  subject_mismatch: 'unauthorized',
  payload_invalid: 'unauthorized',
  check_auth_rejected: 'unauthorized',
  check_auth_denied: 'deny',
  check_auth_failed: 'error',
  context_too_large: 'error',
  config_invalid: 'error',
  event_unknown: 'error',
  jwks_unavailable: 'error',
  ssm_throttled: 'error',
  ssm_unavailable: 'error',
  internal_error: 'error',
  route_denied: 'deny',
  api_scopes_invalid: 'error',
  policy_too_large: 'error',
  iat_required: 'unauthorized',
  token_too_old: 'unauthorized',
  token_use_mismatch: 'unauthorized',
  oidc_discovery_failed: 'error',
}

describe('outcomeOf', () => {
  it('has a decided outcome for exactly the codes that exist', () => {
    expect(Object.values(ErrorCode).sort()).toEqual(Object.keys(EXPECTED_OUTCOME).sort())
  })

  it.each(Object.entries(EXPECTED_OUTCOME))('maps %s to %s', (code, outcome) => {
    expect(outcomeOf(new AuthorizerError(code as ErrorCode))).toBe(outcome)
  })

  it('never maps any code to allow', () => {
    for (const code of Object.values(ErrorCode)) expect(outcomeOf(new AuthorizerError(code))).not.toBe(Outcome.ALLOW)
  })

  it.each([
    ['a TypeError', new TypeError('x is not a function')],
    ['an Error named Unauthorized', new Error('Unauthorized')],
    ['a string', 'Unauthorized'],
    ['undefined', undefined],
    ['a look-alike object', { code: ErrorCode.TOKEN_EXPIRED, message: 'token expired' }],
  ])('maps %s that is not an AuthorizerError to error', (_name, thrown) => {
    expect(outcomeOf(thrown)).toBe(Outcome.ERROR)
    expect(codeOf(thrown)).toBe(ErrorCode.INTERNAL)
  })
})

describe('AuthorizerError', () => {
  it('carries its code, a default message equal to the code, and no setting', () => {
    const error = new AuthorizerError(ErrorCode.TOKEN_EXPIRED)
    expect([error.code, error.message, error.setting, error.name]).toEqual(['token_expired', 'token_expired', undefined, 'AuthorizerError'])
    expect(error).toBeInstanceOf(Error)
    expect(codeOf(error)).toBe(ErrorCode.TOKEN_EXPIRED)
  })

  it('keeps a cause only when one is given', () => {
    const cause = new Error('root')
    expect(new AuthorizerError(ErrorCode.INTERNAL, 'wrapped', { cause }).cause).toBe(cause)
    expect(Object.hasOwn(new AuthorizerError(ErrorCode.INTERNAL, 'plain'), 'cause')).toBe(false)
  })
})

describe('configError', () => {
  it('is config_invalid, names the setting in .setting and in the message', () => {
    const error = configError('CUBEJS_JWT_ALGS', 'is set but empty')
    expect([error.code, error.setting, error.message]).toEqual(['config_invalid', 'CUBEJS_JWT_ALGS', 'CUBEJS_JWT_ALGS: is set but empty'])
    expect(outcomeOf(error)).toBe(Outcome.ERROR)
  })
})
