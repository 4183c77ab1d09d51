// HMAC key length (RFC 7518 §3.2) and issuer/audience with a remote JWKS, and the opt-outs that relax them (issue 12, items 4 and 5).
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import { parseConfig } from '../../../lib/settings/config.js'
import type { Settings } from '../../../lib/settings/env.js'
import { AuthorizerError, ErrorCode } from '../../../lib/errors.js'
import { withMetrics } from '../../../lib/observe/metrics.js'
import { capturedLogger, restTokenEvent, signed } from '../../support/tokens.js'

const JWKS_URL = 'https://auth.example.com/.well-known/jwks.json'
const bytes = (n: number) => 's'.repeat(n)

function configErrorOf(settings: Settings): AuthorizerError {
  try {
    parseConfig(settings)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    expect((error as AuthorizerError).code).toBe(ErrorCode.CONFIG_INVALID)
    return error as AuthorizerError
  }
  throw new Error('expected a configuration error')
}

const algorithmsOf = (settings: Settings) => parseConfig(settings).algorithms

describe('HMAC key length (RFC 7518 §3.2)', () => {
  it.each([
    [31, 'CUBEJS_API_SECRET', { CUBEJS_API_SECRET: bytes(31) }],
    [1, 'CUBEJS_API_SECRET', { CUBEJS_API_SECRET: 'a' }],
    [31, 'CUBEJS_API_SECRETS', { CUBEJS_API_SECRETS: `${bytes(31)},${bytes(20)}` }],
    [31, 'CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: bytes(31) }],
    [16, 'CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: JSON.stringify({ kty: 'oct', k: Buffer.from(bytes(16)).toString('base64url') }) }],
  ])('refuses a %i-byte key in %s, naming the setting and never the value', (_n, setting, settings: Settings) => {
    const error = configErrorOf(settings)
    expect(error.setting).toBe(setting)
    expect(error.message).toMatch(/32 bytes/)
    expect(error.message).not.toContain(bytes(16))
  })

  it('lets each key verify only the algorithms its length allows', () => {
    expect(algorithmsOf({ CUBEJS_API_SECRET: bytes(32) })).toEqual(['HS256'])
    expect(algorithmsOf({ CUBEJS_API_SECRET: bytes(48) })).toEqual(['HS256', 'HS384'])
    expect(algorithmsOf({ CUBEJS_API_SECRET: bytes(64) })).toEqual(['HS256', 'HS384', 'HS512'])
  })

  it('names the key setting when no key is long enough for any algorithm CUBEJS_JWT_ALGS allows', () => {
    expect(configErrorOf({ CUBEJS_API_SECRET: bytes(40), CUBEJS_JWT_ALGS: 'HS512' }).setting).toBe('CUBEJS_API_SECRET')
  })

  it('drops a short secret from a rotation list, reporting it, while a long one keeps serving', () => {
    const skipped: unknown[] = []
    const config = parseConfig({ CUBEJS_API_SECRETS: `${bytes(10)},${bytes(33)}` }, {}, (index, reason, setting) => skipped.push([index, reason, setting]))
    expect(config.keySource.kind === 'static' && config.keySource.keys.length).toBe(1)
    expect(skipped).toEqual([[0, 'HMAC key shorter than 32 bytes', 'CUBEJS_API_SECRETS']])
  })

  it('with AUTHORIZER_ALLOW_WEAK_HMAC_KEY=true keeps a short key for every HMAC algorithm', () => {
    expect(algorithmsOf({ CUBEJS_API_SECRET: 'a', AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'true' })).toEqual(['HS256', 'HS384', 'HS512'])
    expect(configErrorOf({ CUBEJS_API_SECRET: bytes(64), AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'yes' }).setting).toBe('AUTHORIZER_ALLOW_WEAK_HMAC_KEY')
  })

  it('never allows a token MACed with a short secret unless opted in', async () => {
    const token = await signed('HS256', new TextEncoder().encode('short'), { sub: 'weak' })
    const answer = (settings: Settings) => createAuthorizer({ settings: () => settings, logger: capturedLogger().logger })(restTokenEvent(`Bearer ${token}`)).then(
      () => 'allow',
      (error: Error) => error.message,
    )
    expect(await answer({ CUBEJS_API_SECRET: 'short' })).toBe('Authorizer error: config_invalid')
    expect(await answer({ CUBEJS_API_SECRET: 'short', AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'true' })).toBe('allow')
  })
})

describe('issuer and audience with a remote JWKS', () => {
  it('requires CUBEJS_JWT_ISSUER with CUBEJS_JWK_URL', () => {
    expect(configErrorOf({ CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_AUDIENCE: 'cube-api' }).setting).toBe('CUBEJS_JWT_ISSUER')
  })

  it('requires CUBEJS_JWT_AUDIENCE with CUBEJS_JWK_URL and with AUTHORIZER_JWK_URLS', () => {
    expect(configErrorOf({ CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_ISSUER: 'https://auth.example.com/' }).setting).toBe('CUBEJS_JWT_AUDIENCE')
    expect(configErrorOf({ AUTHORIZER_JWK_URLS: JSON.stringify({ 'https://a/': JWKS_URL }) }).setting).toBe('CUBEJS_JWT_AUDIENCE')
  })

  it('takes the issuer and audience from code options too', () => {
    expect(parseConfig({ CUBEJS_JWK_URL: JWKS_URL }, { issuer: 'https://auth.example.com/', audience: 'cube-api' }).keySource.kind).toBe('jwks')
  })

  it('accepts the explicit opt-outs, each on its own', () => {
    expect(parseConfig({ CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_AUDIENCE: 'cube-api', AUTHORIZER_ALLOW_ANY_ISSUER: 'true' }).issuers).toBeUndefined()
    expect(parseConfig({ CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_ISSUER: 'https://i/', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }).audience).toBeUndefined()
    expect(parseConfig({ AUTHORIZER_JWK_URLS: JSON.stringify({ 'https://a/': JWKS_URL }), AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }).keySource.kind).toBe('jwks')
  })

  it('asks nothing of static keys, as in Cube', () => {
    expect(parseConfig({ CUBEJS_API_SECRET: bytes(32) }).audience).toBeUndefined()
  })
})

describe('opt-out warnings', () => {
  const OPTED_OUT: Settings = {
    CUBEJS_JWK_URL: JWKS_URL,
    AUTHORIZER_ALLOW_ANY_ISSUER: 'true',
    AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true',
    AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'true',
  }

  it('logs each opt-out as a warning once per cold start, not per invocation or settings reload, and counts it as a metric', async () => {
    const log = capturedLogger()
    const metrics: string[] = []
    const logger = withMetrics(log.logger, { enabled: true, namespace: 'CubeJwtAuthorizer', functionName: 'f' }, () => 0, (line) => metrics.push(line))
    let settings: Settings = { ...OPTED_OUT }
    const handler = createAuthorizer({ settings: () => settings, logger })
    await handler(restTokenEvent()).catch(() => undefined)
    settings = { ...OPTED_OUT, AUTHORIZER_LOG_LEVEL: 'info' }
    await handler(restTokenEvent()).catch(() => undefined)
    const warnings = log.entries().filter((entry) => entry.level === 'warn').map((entry) => entry.message)
    expect(warnings).toEqual(['weak_hmac_key', 'any_issuer', 'any_audience'])
    const optOuts = metrics.map((line) => JSON.parse(line) as Record<string, unknown>).filter((doc) => doc.OptOuts === 1).map((doc) => doc.OptOut)
    expect(optOuts).toEqual(['weak_hmac_key', 'any_issuer', 'any_audience'])
    expect(log.lines.join('')).not.toContain(JWKS_URL)
  })

  it('warns foreign_jwks_host once per cold start when AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST=true, and counts it', async () => {
    const log = capturedLogger()
    const metrics: string[] = []
    const logger = withMetrics(log.logger, { enabled: true, namespace: 'CubeJwtAuthorizer', functionName: 'f' }, () => 0, (line) => metrics.push(line))
    const settings: Settings = { CUBEJS_API_SECRET: 'opt-out-secret-0123456789abcdef0123456789', AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST: 'true' }
    const handler = createAuthorizer({ settings: () => settings, logger })
    for (let i = 0; i < 2; i++) await handler(restTokenEvent()).catch(() => undefined)
    expect(log.named('foreign_jwks_host').map((entry) => entry.level)).toEqual(['warn'])
    expect(metrics.map((line) => JSON.parse(line) as Record<string, unknown>).filter((doc) => doc.OptOuts === 1).map((doc) => doc.OptOut)).toEqual(['foreign_jwks_host'])
  })

  it('a new cold start (a new handler) warns again', async () => {
    for (let start = 0; start < 2; start++) {
      const log = capturedLogger()
      await createAuthorizer({ settings: () => ({ CUBEJS_API_SECRET: 'a', AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'true' }), logger: log.logger })(restTokenEvent()).catch(() => undefined)
      expect(log.named('weak_hmac_key')).toHaveLength(1)
    }
  })
})
