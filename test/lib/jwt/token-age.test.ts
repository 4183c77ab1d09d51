// AUTHORIZER_MAX_TOKEN_AGE_SECONDS end to end: a long-lived token is refused by its age, with reason token_too_old.
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import { parseConfig } from '../../../lib/settings/config.js'
import type { Settings } from '../../../lib/settings/env.js'
import { AuthorizerError, ErrorCode } from '../../../lib/errors.js'
import { capturedLogger, hs256, restTokenEvent } from '../../support/tokens.js'

const SECRET = 'token-age-test-secret-0123456789abcdef0123456789'
const NOW_SECONDS = 1_800_000_000
const DAY = 86_400

function setup(extra: Settings) {
  const log = capturedLogger()
  const handler = createAuthorizer({ settings: () => ({ CUBEJS_API_SECRET: SECRET, ...extra }), logger: log.logger, now: () => NOW_SECONDS * 1000 })
  const outcome = async (claims: Record<string, unknown>) =>
    handler(restTokenEvent(await hs256(SECRET, claims))).then((r) => `allow:${(r as { principalId: string }).principalId}`, (e: Error) => e.message)
  return { log, outcome }
}

describe('AUTHORIZER_MAX_TOKEN_AGE_SECONDS', () => {
  it('refuses a token minted "for 30 days" once it is older than the limit, logging token_too_old and its age', async () => {
    const { log, outcome } = setup({ AUTHORIZER_MAX_TOKEN_AGE_SECONDS: String(DAY) })
    expect(await outcome({ sub: 'fresh', iat: NOW_SECONDS - 60, exp: NOW_SECONDS + 30 * DAY })).toBe('allow:fresh')
    expect(await outcome({ sub: 'old', iat: NOW_SECONDS - 2 * DAY, exp: NOW_SECONDS + 28 * DAY })).toBe('Unauthorized')
    const decisions = log.named('decision')
    expect(decisions.map((d) => d.reason)).toEqual(['ok', ErrorCode.TOKEN_TOO_OLD])
  })

  it('refuses a token without iat, which Cube would accept, only when the limit is set', async () => {
    expect(await setup({}).outcome({ sub: 'no-iat' })).toBe('allow:no-iat')
    const limited = setup({ AUTHORIZER_MAX_TOKEN_AGE_SECONDS: '3600' })
    expect(await limited.outcome({ sub: 'no-iat' })).toBe('Unauthorized')
    expect(limited.log.named('decision')[0]?.reason).toBe(ErrorCode.IAT_REQUIRED)
  })

  it('applies AUTHORIZER_CLOCK_TOLERANCE_SECONDS to the age', async () => {
    const { outcome } = setup({ AUTHORIZER_MAX_TOKEN_AGE_SECONDS: '3600', AUTHORIZER_CLOCK_TOLERANCE_SECONDS: '30' })
    expect(await outcome({ sub: 'edge', iat: NOW_SECONDS - 3630 })).toBe('allow:edge')
    expect(await outcome({ sub: 'past', iat: NOW_SECONDS - 3631 })).toBe('Unauthorized')
  })

  it('reads whole seconds from 1 to a year and names the setting otherwise', () => {
    expect(parseConfig({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_MAX_TOKEN_AGE_SECONDS: ' 900 ' }).maxTokenAgeSeconds).toBe(900)
    expect(parseConfig({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_MAX_TOKEN_AGE_SECONDS: '' }).maxTokenAgeSeconds).toBeUndefined()
    for (const bad of ['0', '-5', '1.5', '1h', '31536001']) {
      expect(() => parseConfig({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_MAX_TOKEN_AGE_SECONDS: bad })).toThrow(AuthorizerError)
      try {
        parseConfig({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_MAX_TOKEN_AGE_SECONDS: bad })
      } catch (error) {
        expect((error as AuthorizerError).setting).toBe('AUTHORIZER_MAX_TOKEN_AGE_SECONDS')
      }
    }
  })
})
