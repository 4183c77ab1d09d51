// SSM settings: the path rule, the names asked for, budgets, and the one-source-of-truth merge.
import { describe, expect, it } from 'vitest'
import { mergeSsmSettings, parseSsmConfig } from '../../../lib/settings/ssm.js'
import { ErrorCode } from '../../../lib/errors.js'

const config = (extra = {}) => {
  const parsed = parseSsmConfig({ AUTHORIZER_SSM_PATH: '/cube-auth/prod', ...extra })
  if (parsed === undefined) throw new Error('expected an SSM config')
  return parsed
}

describe('parseSsmConfig', () => {
  it('is off when AUTHORIZER_SSM_PATH is unset or blank', () => {
    expect(parseSsmConfig({})).toBeUndefined()
    expect(parseSsmConfig({ AUTHORIZER_SSM_PATH: '  ' })).toBeUndefined()
  })

  it('maps <path>/<NAME> to exactly the ten secret-bearing settings', () => {
    expect([...config().names.entries()]).toEqual(
      ['CUBEJS_API_SECRET', 'CUBEJS_API_SECRETS', 'CUBEJS_JWT_KEY', 'CUBEJS_JWK_URL', 'CUBEJS_JWT_ALGS', 'CUBEJS_JWT_AUDIENCE',
        'CUBEJS_JWT_ISSUER', 'CUBEJS_JWT_SUBJECT', 'CUBEJS_JWT_CLAIMS_NAMESPACE', 'AUTHORIZER_JWK_URLS'].map((n) => [`/cube-auth/prod/${n}`, n]),
    )
  })

  it('drops a trailing slash from the path', () => {
    expect(parseSsmConfig({ AUTHORIZER_SSM_PATH: '/cube-auth/prod/' })?.path).toBe('/cube-auth/prod')
  })

  it.each(['cube-auth/prod', '/cube auth', '/cube-auth/$x', '/'])('refuses the path %j, naming AUTHORIZER_SSM_PATH', (path) => {
    expect(() => parseSsmConfig({ AUTHORIZER_SSM_PATH: path })).toThrow(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, setting: 'AUTHORIZER_SSM_PATH' }))
  })

  it('defaults to a 3000 ms budget and a 300 s TTL, and validates overrides', () => {
    expect(config()).toMatchObject({ timeoutMs: 3000, ttlSeconds: 300 })
    expect(config({ AUTHORIZER_SSM_TIMEOUT_MS: '1500', AUTHORIZER_SSM_TTL_SECONDS: '60' })).toMatchObject({ timeoutMs: 1500, ttlSeconds: 60 })
    expect(() => config({ AUTHORIZER_SSM_TIMEOUT_MS: 'soon' })).toThrow(expect.objectContaining({ setting: 'AUTHORIZER_SSM_TIMEOUT_MS' }))
    expect(() => config({ AUTHORIZER_SSM_TIMEOUT_MS: '60000' })).toThrow(expect.objectContaining({ setting: 'AUTHORIZER_SSM_TIMEOUT_MS' }))
    expect(() => config({ AUTHORIZER_SSM_TTL_SECONDS: '-1' })).toThrow(expect.objectContaining({ setting: 'AUTHORIZER_SSM_TTL_SECONDS' }))
  })
})

describe('mergeSsmSettings', () => {
  it('adds SSM values to the environment settings', () => {
    const merged = mergeSsmSettings({ CUBEJS_DEV_MODE: 'false' }, new Map([['/cube-auth/prod/CUBEJS_API_SECRET', 's3cr3t-value']]), config())
    expect(merged).toEqual({ CUBEJS_DEV_MODE: 'false', CUBEJS_API_SECRET: 's3cr3t-value' })
    expect(Object.isFrozen(merged)).toBe(true)
  })

  it('ignores parameters that are not one of the names asked for', () => {
    const merged = mergeSsmSettings({}, new Map([['/cube-auth/prod/CUBEJS_DEV_MODE', 'true']]), config())
    expect(merged).toEqual({})
  })

  it('refuses a setting set in both places, naming it but not its values', () => {
    const attempt = () => mergeSsmSettings({ CUBEJS_JWT_AUDIENCE: 'env-audience-value' }, new Map([['/cube-auth/prod/CUBEJS_JWT_AUDIENCE', 'ssm-audience-value']]), config())
    expect(attempt).toThrow(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, setting: 'CUBEJS_JWT_AUDIENCE' }))
    try {
      attempt()
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/audience-value/)
    }
  })

  it('treats an empty environment value as unset, since deploy tools often write empty defaults', () => {
    const merged = mergeSsmSettings({ CUBEJS_API_SECRET: '' }, new Map([['/cube-auth/prod/CUBEJS_API_SECRET', 's']]), config())
    expect(merged.CUBEJS_API_SECRET).toBe('s')
  })
})
