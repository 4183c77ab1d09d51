// Attack family: claims (wrong types of registered claims, exp/nbf edges and tolerance, aud/iss/sub near-misses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Settings } from '../../lib/settings/env.js'
import { expectAllow, expectAuthorizerError, expectUnauthorized, harness, LogAudit, NOW_MS, NOW_S, SECRET, type Harness } from '../support/security-harness.js'
import { forge, hmac } from '../support/security-tokens.js'
import { restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(50))

const AUDIENCE = 'https://cube.example.com'
const ISSUERS = ['https://auth.example.com', 'https://login.example.org/tenant']
const SUBJECT = 'claims-suite-service'
const sign = hmac('HS256', SECRET)
audit.forbid(AUDIENCE, SUBJECT, 'claims-suite-user', ...ISSUERS)
/** A validly signed token over this exact payload text (so it may hold 1e309, duplicate members, anything). */
const token = (payload: Record<string, unknown> | string) => audit.forbidToken(forge({ alg: 'HS256' }, payload, sign))
const event = (payload: Record<string, unknown> | string) => restTokenEvent(`Bearer ${token(payload)}`)
const raw = (fields: Record<string, string>) => `{${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`

const make = (settings: Settings = {}) => harness(audit, { CUBEJS_API_SECRET: SECRET, ...settings })
let plain: Harness
let strict: Harness
beforeAll(() => {
  plain = make()
  strict = make({ CUBEJS_JWT_AUDIENCE: AUDIENCE, CUBEJS_JWT_ISSUER: ISSUERS.join(' , '), CUBEJS_JWT_SUBJECT: SUBJECT })
})
const good = { aud: AUDIENCE, iss: ISSUERS[0], sub: SUBJECT, exp: NOW_S + 60 }

describe('NumericDate claims with the wrong type', () => {
  const WRONG: ReadonlyArray<[string, string]> = [
    ['a numeric string', `"${NOW_S + 3600}"`],
    ['an empty string', '""'],
    ['an array', `[${NOW_S + 3600}]`],
    ['an object', `{"value":${NOW_S + 3600}}`],
    ['true', 'true'],
    ['false', 'false'],
    ['null', 'null'],
    ['1e309 (Infinity once parsed)', '1e309'],
    ['-1e309 (minus Infinity once parsed)', '-1e309'],
  ]

  it.each(['exp', 'nbf', 'iat'].flatMap((claim) => WRONG.map(([what, value]) => [claim, what, value] as const)))(
    'rejects %s as %s with claim_invalid', async (claim, _what, value) => {
      await expectUnauthorized(plain, event(raw({ sub: '"claims-suite-user"', [claim]: value })), 'claim_invalid')
    },
  )

  it('rejects exp null even when exp is required (wrong type, not missing)', async () => {
    await expectUnauthorized(make({ AUTHORIZER_REQUIRE_EXP: 'true' }), event(raw({ exp: 'null' })), 'claim_invalid')
  })

  it('rejects a token without exp when AUTHORIZER_REQUIRE_EXP=true', async () => {
    await expectUnauthorized(make({ AUTHORIZER_REQUIRE_EXP: 'true' }), event({ sub: 'claims-suite-user' }), 'exp_required')
  })
})

describe('exp and nbf at the edges', () => {
  it('rejects exp exactly now, and now minus one; accepts now plus one', async () => {
    await expectUnauthorized(plain, event({ exp: NOW_S }), 'token_expired')
    await expectUnauthorized(plain, event({ exp: NOW_S - 1 }), 'token_expired')
    await expectAllow(plain, event({ exp: NOW_S + 1 }))
  })

  it('counts a clock 999 ms into the expiry second as that second', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET }, { clock: { ms: NOW_MS + 999 } })
    await expectUnauthorized(h, event({ exp: NOW_S }), 'token_expired')
    await expectAllow(h, event({ exp: NOW_S + 1 }))
  })

  it('accepts nbf exactly now and rejects nbf a second ahead', async () => {
    await expectAllow(plain, event({ nbf: NOW_S }))
    await expectUnauthorized(plain, event({ nbf: NOW_S + 1 }), 'token_not_yet_valid')
  })

  it('extends exp and nbf by AUTHORIZER_CLOCK_TOLERANCE_SECONDS=30 and not a second more', async () => {
    const h = make({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: '30' })
    await expectUnauthorized(h, event({ exp: NOW_S - 30 }), 'token_expired')
    await expectAllow(h, event({ exp: NOW_S - 29 }))
    await expectAllow(h, event({ nbf: NOW_S + 30 }))
    await expectUnauthorized(h, event({ nbf: NOW_S + 31 }), 'token_not_yet_valid')
  })

  it('rejects a token that is both not yet valid and expired', async () => {
    await expectUnauthorized(plain, event({ nbf: NOW_S + 10, exp: NOW_S - 10 }), 'token_expired')
  })

  it.each(['-1', '1e3', '301', 'Infinity', '30s', '0x10', '3.5'])('refuses AUTHORIZER_CLOCK_TOLERANCE_SECONDS=%j as a configuration error', async (value) => {
    await expectAuthorizerError(make({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: value }), event({ exp: NOW_S - 1 }), 'config_invalid', 'AUTHORIZER_CLOCK_TOLERANCE_SECONDS')
  })
})

describe('aud', () => {
  it('accepts the audience as a string and inside an array, so each rejection below is about aud', async () => {
    await expectAllow(strict, event(good))
    await expectAllow(strict, event({ ...good, aud: ['https://other.example.com', AUDIENCE] }))
  })

  it.each([
    ['missing', undefined],
    ['an empty string', ''],
    ['an empty array', []],
    ['with a trailing slash', `${AUDIENCE}/`],
    ['in upper case', AUDIENCE.toUpperCase()],
    ['with a leading space', ` ${AUDIENCE}`],
    ['with a trailing space', `${AUDIENCE} `],
    ['as a prefix of an attacker host', `${AUDIENCE}.evil.example`],
    ['truncated', AUDIENCE.slice(0, -1)],
    ['an array of near-misses', [`${AUDIENCE}/`, AUDIENCE.toUpperCase(), ` ${AUDIENCE}`, AUDIENCE.replace('https', 'http')]],
    ['nested in an array', [[AUDIENCE]]],
    ['an object', { aud: AUDIENCE }],
    ['a number', 42],
    ['true', true],
    ['null', null],
  ])('rejects aud %s', async (_what, aud) => {
    await expectUnauthorized(strict, event({ ...good, aud }), 'audience_mismatch')
  })
})

describe('iss', () => {
  it('accepts each configured issuer exactly (the setting is trimmed)', async () => {
    for (const iss of ISSUERS) await expectAllow(strict, event({ ...good, iss }))
  })

  it.each([
    ['missing', undefined],
    ['with a trailing slash', `${ISSUERS[0]}/`],
    ['without the second issuer’s path', 'https://login.example.org'],
    ['in upper case', ISSUERS[0]?.toUpperCase()],
    ['with surrounding spaces', ` ${ISSUERS[0]} `],
    ['both issuers joined by a comma', ISSUERS.join(',')],
    ['as a prefix of an attacker host', `${ISSUERS[0]}.evil.example`],
    ['an array holding the issuer', [ISSUERS[0]]],
    ['an object', { iss: ISSUERS[0] }],
    ['a number', 1],
    ['null', null],
    ['an empty string', ''],
  ])('rejects iss %s', async (_what, iss) => {
    await expectUnauthorized(strict, event({ ...good, iss }), 'issuer_mismatch')
  })

  it.each([',', ' , ', ''])('refuses a set but empty CUBEJS_JWT_ISSUER=%j as a configuration error', async (value) => {
    await expectAuthorizerError(make({ CUBEJS_JWT_ISSUER: value }), event(good), 'config_invalid', 'CUBEJS_JWT_ISSUER')
  })
})

describe('sub', () => {
  it.each([
    ['missing', undefined],
    ['in another case', 'Claims-Suite-Service'],
    ['with a trailing space', `${SUBJECT} `],
    ['an array holding the subject', [SUBJECT]],
    ['an object', { $eq: SUBJECT }],
    ['a number', 0],
    ['null', null],
  ])('rejects sub %s when CUBEJS_JWT_SUBJECT is set', async (_what, sub) => {
    await expectUnauthorized(strict, event({ ...good, sub }), 'subject_mismatch')
  })

  it.each([
    ['an object', { $ne: null }],
    ['an array', ['admin']],
    ['an empty string', ''],
    ['257 characters long', 'a'.repeat(257)],
    ['a number', 1],
  ])('never uses a sub that is %s as the principal (the documented fallback cube-user is used)', async (_what, sub) => {
    const result = await expectAllow(plain, event({ sub, exp: NOW_S + 60 }))
    expect(result.principalId).toBe('cube-user')
  })

  it('passes claims it does not interpret (jti, typ, iss and aud when unconfigured) through as data only', async () => {
    const result = await expectAllow(plain, event({ jti: { id: 1 }, iss: 7, aud: { x: 1 }, exp: NOW_S + 60 }))
    expect(JSON.parse(String((result.context as Record<string, unknown>).securityContext))).toEqual({ jti: { id: 1 }, iss: 7, aud: { x: 1 }, exp: NOW_S + 60 })
  })
})
