// Mirrors lib/jwt/claims.ts: Cube's exp/nbf semantics at their exact edges, and the aud/iss/sub checks.
import { describe, expect, it } from 'vitest'
import { checkClaims, tokenAgeSeconds, type ClaimRules } from '../../../lib/jwt/claims.js'
import { codeOf, ErrorCode } from '../../../lib/errors.js'

const NOW = 1_700_000_000

const rules = (overrides: Partial<ClaimRules> = {}): ClaimRules => ({
  audience: undefined,
  issuers: undefined,
  subject: undefined,
  clockToleranceSeconds: 0,
  requireExp: false,
  ...overrides,
})

/** The error code checkClaims throws, or undefined when the claims pass; a crash shows up as internal_error. */
function failure(payload: Record<string, unknown>, overrides: Partial<ClaimRules> = {}, now: number = NOW): string | undefined {
  try {
    checkClaims(payload, rules(overrides), now)
    return undefined
  } catch (error) {
    return codeOf(error)
  }
}

describe('exp', () => {
  it('rejects a token whose exp equals now', () => {
    expect(failure({ exp: NOW })).toBe(ErrorCode.TOKEN_EXPIRED)
  })

  it('accepts a token one second before its exp', () => {
    expect(failure({ exp: NOW + 1 })).toBeUndefined()
  })

  it('rejects a token whose exp is in the past', () => {
    expect(failure({ exp: NOW - 3600 })).toBe(ErrorCode.TOKEN_EXPIRED)
  })

  it('counts a fractional clock as the whole second it is in', () => {
    expect(failure({ exp: NOW + 1 }, {}, NOW + 0.999)).toBeUndefined()
    expect(failure({ exp: NOW + 1 }, {}, NOW + 1)).toBe(ErrorCode.TOKEN_EXPIRED)
  })

  it('extends exp by the clock tolerance and not a second more', () => {
    expect(failure({ exp: NOW - 4 }, { clockToleranceSeconds: 5 })).toBeUndefined()
    expect(failure({ exp: NOW - 5 }, { clockToleranceSeconds: 5 })).toBe(ErrorCode.TOKEN_EXPIRED)
  })

  it('accepts a token without exp, as Cube does, unless exp is required', () => {
    expect(failure({ sub: 'u' })).toBeUndefined()
    expect(failure({ sub: 'u' }, { requireExp: true })).toBe(ErrorCode.EXP_REQUIRED)
    expect(failure({ exp: NOW + 60 }, { requireExp: true })).toBeUndefined()
  })
})

describe('nbf', () => {
  it('rejects a token used one second before its nbf', () => {
    expect(failure({ nbf: NOW + 1 })).toBe(ErrorCode.TOKEN_NOT_YET_VALID)
  })

  it('accepts a token whose nbf equals now', () => {
    expect(failure({ nbf: NOW })).toBeUndefined()
  })

  it('brings nbf forward by the clock tolerance and not a second more', () => {
    expect(failure({ nbf: NOW + 5 }, { clockToleranceSeconds: 5 })).toBeUndefined()
    expect(failure({ nbf: NOW + 6 }, { clockToleranceSeconds: 5 })).toBe(ErrorCode.TOKEN_NOT_YET_VALID)
  })
})

describe('NumericDate claims', () => {
  const notNumbers: Array<[string, unknown]> = [
    ['a numeric string', String(NOW + 60)],
    ['an array', [NOW + 60]],
    ['an object', { value: NOW + 60 }],
    ['a boolean', true],
    ['null', null],
  ]
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    it.each(notNumbers)(`rejects a token whose ${claim} is %s`, (_what, value) => {
      expect(failure({ [claim]: value })).toBe(ErrorCode.CLAIM_INVALID)
    })
  }

  it('accepts fractional NumericDates', () => {
    expect(failure({ exp: NOW + 0.5, nbf: NOW - 0.5, iat: NOW - 0.5 })).toBeUndefined()
  })
})

describe('aud', () => {
  const audience = 'https://api.example.com'

  it.each([
    ['the same string', audience],
    ['an array that contains it', ['other', audience]],
  ])('accepts aud that is %s', (_what, aud) => {
    expect(failure({ aud }, { audience })).toBeUndefined()
  })

  it.each([
    ['missing', undefined],
    ['an empty string', ''],
    ['an empty array', []],
    ['with a trailing slash', `${audience}/`],
    ['in another case', audience.toUpperCase()],
    ['with a trailing space', `${audience} `],
    ['an array of near misses', [`${audience}/`, 'api.example.com']],
    ['a nested array', [[audience]]],
    ['an object', { aud: audience }],
  ])('rejects aud that is %s', (_what, aud) => {
    expect(failure(aud === undefined ? {} : { aud }, { audience })).toBe(ErrorCode.AUDIENCE_MISMATCH)
  })

  it('ignores aud when no audience is configured', () => {
    expect(failure({ aud: 'anything' })).toBeUndefined()
  })
})

describe('iss', () => {
  const issuers = ['https://a.example.com', 'https://b.example.com']

  it('accepts iss equal to any configured issuer', () => {
    expect(failure({ iss: 'https://a.example.com' }, { issuers })).toBeUndefined()
    expect(failure({ iss: 'https://b.example.com' }, { issuers })).toBeUndefined()
  })

  it.each([
    ['missing', undefined],
    ['with a trailing slash', 'https://a.example.com/'],
    ['in another case', 'https://A.example.com'],
    ['a prefix', 'https://a.example'],
    ['an array holding an issuer', ['https://a.example.com']],
  ])('rejects iss that is %s', (_what, iss) => {
    expect(failure(iss === undefined ? {} : { iss }, { issuers })).toBe(ErrorCode.ISSUER_MISMATCH)
  })
})

describe('sub', () => {
  it('accepts sub equal to the configured subject', () => {
    expect(failure({ sub: 'svc-reporting' }, { subject: 'svc-reporting' })).toBeUndefined()
  })

  it.each([
    ['missing', undefined],
    ['a near miss', 'svc-reportin'],
    ['in another case', 'SVC-reporting'],
  ])('rejects sub that is %s', (_what, sub) => {
    expect(failure(sub === undefined ? {} : { sub }, { subject: 'svc-reporting' })).toBe(ErrorCode.SUBJECT_MISMATCH)
  })

  it('rejects a numeric sub even when its digits equal the subject', () => {
    expect(failure({ sub: 123 }, { subject: '123' })).toBe(ErrorCode.SUBJECT_MISMATCH)
  })
})

describe('tokenAgeSeconds', () => {
  it('is the whole seconds since iat', () => {
    expect(tokenAgeSeconds({ iat: NOW - 30 }, NOW)).toBe(30)
    expect(tokenAgeSeconds({ iat: NOW - 30 }, NOW + 0.75)).toBe(30)
  })

  it('is undefined without a numeric iat', () => {
    expect(tokenAgeSeconds({}, NOW)).toBeUndefined()
    expect(tokenAgeSeconds({ iat: String(NOW) }, NOW)).toBeUndefined()
  })
})

describe('token age (AUTHORIZER_MAX_TOKEN_AGE_SECONDS)', () => {
  const maxTokenAgeSeconds = 3600

  it('requires iat once a maximum age is set', () => {
    expect(failure({ exp: NOW + 60 }, { maxTokenAgeSeconds })).toBe(ErrorCode.IAT_REQUIRED)
    expect(failure({ exp: NOW + 60 })).toBeUndefined()
  })

  it('accepts a token exactly as old as the limit and rejects one a second older', () => {
    expect(failure({ iat: NOW - 3600 }, { maxTokenAgeSeconds })).toBeUndefined()
    expect(failure({ iat: NOW - 3601 }, { maxTokenAgeSeconds })).toBe(ErrorCode.TOKEN_TOO_OLD)
  })

  it('rejects an old token even when its exp is far away (a token minted for 30 days)', () => {
    expect(failure({ iat: NOW - 7 * 86_400, exp: NOW + 23 * 86_400 }, { maxTokenAgeSeconds })).toBe(ErrorCode.TOKEN_TOO_OLD)
  })

  it('extends the limit by the clock tolerance and not a second more', () => {
    expect(failure({ iat: NOW - 3605 }, { maxTokenAgeSeconds, clockToleranceSeconds: 5 })).toBeUndefined()
    expect(failure({ iat: NOW - 3606 }, { maxTokenAgeSeconds, clockToleranceSeconds: 5 })).toBe(ErrorCode.TOKEN_TOO_OLD)
  })

  it('rejects an iat in the future beyond the clock tolerance, as jose does', () => {
    expect(failure({ iat: NOW + 5 }, { maxTokenAgeSeconds, clockToleranceSeconds: 5 })).toBeUndefined()
    expect(failure({ iat: NOW + 6 }, { maxTokenAgeSeconds, clockToleranceSeconds: 5 })).toBe(ErrorCode.TOKEN_NOT_YET_VALID)
  })

  it('never reads iat loosely: a numeric string is invalid, not young', () => {
    expect(failure({ iat: String(NOW) }, { maxTokenAgeSeconds })).toBe(ErrorCode.CLAIM_INVALID)
  })
})

describe('token_use (AUTHORIZER_TOKEN_USE) and client_id as audience', () => {
  const clientId = '7g4ccd3jm5qk1s0q0q7nkt2c3d'

  it('requires token_use to equal the setting exactly', () => {
    expect(failure({ token_use: 'access' }, { tokenUse: 'access' })).toBeUndefined()
    expect(failure({ token_use: 'id' }, { tokenUse: 'access' })).toBe(ErrorCode.TOKEN_USE_MISMATCH)
    expect(failure({ token_use: 'access' }, { tokenUse: 'id' })).toBe(ErrorCode.TOKEN_USE_MISMATCH)
    expect(failure({}, { tokenUse: 'access' })).toBe(ErrorCode.TOKEN_USE_MISMATCH)
    expect(failure({ token_use: ['access'] }, { tokenUse: 'access' })).toBe(ErrorCode.TOKEN_USE_MISMATCH)
    expect(failure({ token_use: 'Access' }, { tokenUse: 'access' })).toBe(ErrorCode.TOKEN_USE_MISMATCH)
  })

  it('matches the audience against client_id for access tokens', () => {
    expect(failure({ token_use: 'access', client_id: clientId }, { tokenUse: 'access', audience: clientId })).toBeUndefined()
    expect(failure({ token_use: 'access', client_id: 'other-client' }, { tokenUse: 'access', audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
    expect(failure({ token_use: 'access' }, { tokenUse: 'access', audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
  })

  it('refuses an access token that carries a different aud next to the right client_id', () => {
    expect(failure({ token_use: 'access', client_id: clientId, aud: 'other' }, { tokenUse: 'access', audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
    expect(failure({ token_use: 'access', client_id: clientId, aud: [clientId, 'other'] }, { tokenUse: 'access', audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
    expect(failure({ token_use: 'access', client_id: clientId, aud: clientId }, { tokenUse: 'access', audience: clientId })).toBeUndefined()
  })

  it('does not take client_id for aud on ID tokens, nor without token_use configured', () => {
    expect(failure({ token_use: 'id', aud: clientId }, { tokenUse: 'id', audience: clientId })).toBeUndefined()
    expect(failure({ token_use: 'id', client_id: clientId }, { tokenUse: 'id', audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
    expect(failure({ token_use: 'access', client_id: clientId }, { audience: clientId })).toBe(ErrorCode.AUDIENCE_MISMATCH)
  })
})
