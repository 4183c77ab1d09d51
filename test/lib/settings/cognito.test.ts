// Mirrors lib/settings/cognito.ts: the user pool shorthand derives the issuer and JWKS URL, and refuses ambiguity.
import { describe, expect, it } from 'vitest'
import { parseCognitoPool } from '../../../lib/settings/cognito.js'
import { parseConfig } from '../../../lib/settings/config.js'
import type { Settings } from '../../../lib/settings/env.js'
import { settingAtFault } from '../../support/errors.js'

const POOL = 'eu-west-1_AbC123xyZ'
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ'

describe('AUTHORIZER_COGNITO_USER_POOL', () => {
  it("derives the pool's issuer and its /.well-known/jwks.json", () => {
    expect(parseCognitoPool({ AUTHORIZER_COGNITO_USER_POOL: ` ${POOL} `, AUTHORIZER_TOKEN_USE: 'access' })).toEqual({
      issuer: ISSUER,
      jwksUrl: `${ISSUER}/.well-known/jwks.json`,
    })
    expect(parseCognitoPool({ AUTHORIZER_COGNITO_USER_POOL: 'us-gov-west-1_Xy9', AUTHORIZER_TOKEN_USE: 'id' })?.issuer).toBe(
      'https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Xy9',
    )
  })

  it('sets the configuration to that issuer and JWKS URL', () => {
    const config = parseConfig({ AUTHORIZER_COGNITO_USER_POOL: POOL, AUTHORIZER_TOKEN_USE: 'access', CUBEJS_JWT_AUDIENCE: 'client' })
    expect(config.issuers).toEqual([ISSUER])
    expect(config.keySource.kind === 'jwks' && config.keySource.jwks.url).toBe(`${ISSUER}/.well-known/jwks.json`)
    expect(config.tokenUse).toBe('access')
    expect(config.audience).toBe('client')
  })

  it.each([
    ['a full URL', ISSUER],
    ['a host-changing region', 'evil.example.com/x_Abc'],
    ['a region with a dot', 'eu-west-1.evil_Abc'],
    ['no id', 'eu-west-1_'],
    ['no region', '_Abc123'],
    ['a path in the id', 'eu-west-1_Abc/../x'],
  ])('refuses %s', (_what, value) => {
    expect(settingAtFault(() => parseCognitoPool({ AUTHORIZER_COGNITO_USER_POOL: value, AUTHORIZER_TOKEN_USE: 'access' }))).toBe('AUTHORIZER_COGNITO_USER_POOL')
  })

  it('requires AUTHORIZER_TOKEN_USE, so that an ID token cannot stand in for an access token', () => {
    expect(settingAtFault(() => parseCognitoPool({ AUTHORIZER_COGNITO_USER_POOL: POOL }))).toBe('AUTHORIZER_TOKEN_USE')
  })

  it.each(['CUBEJS_JWK_URL', 'AUTHORIZER_JWK_URLS', 'CUBEJS_JWT_ISSUER', 'AUTHORIZER_OIDC_ISSUER'] as const)('cannot be combined with %s', (other) => {
    const settings: Settings = { AUTHORIZER_COGNITO_USER_POOL: POOL, AUTHORIZER_TOKEN_USE: 'access', [other]: 'https://x.example/' }
    expect(settingAtFault(() => parseCognitoPool(settings))).toBe('AUTHORIZER_COGNITO_USER_POOL')
  })

  it('cannot be combined with the jwkUrl or issuer code options', () => {
    const settings: Settings = { AUTHORIZER_COGNITO_USER_POOL: POOL, AUTHORIZER_TOKEN_USE: 'access', CUBEJS_JWT_AUDIENCE: 'c' }
    expect(settingAtFault(() => parseConfig(settings, { jwkUrl: 'https://x.example/jwks' }))).toBe('AUTHORIZER_COGNITO_USER_POOL')
    expect(settingAtFault(() => parseConfig(settings, { issuer: 'https://x.example/' }))).toBe('AUTHORIZER_COGNITO_USER_POOL')
  })

  it('still requires an audience (the app client id) unless AUTHORIZER_ALLOW_ANY_AUDIENCE', () => {
    expect(settingAtFault(() => parseConfig({ AUTHORIZER_COGNITO_USER_POOL: POOL, AUTHORIZER_TOKEN_USE: 'access' }))).toBe('CUBEJS_JWT_AUDIENCE')
  })
})

describe('AUTHORIZER_TOKEN_USE', () => {
  const base: Settings = { CUBEJS_API_SECRET: 'token-use-secret-0123456789abcdef0123456789' }
  it('is unset by default and reads access or id in any case', () => {
    expect(parseConfig(base).tokenUse).toBeUndefined()
    expect(parseConfig({ ...base, AUTHORIZER_TOKEN_USE: ' ID ' }).tokenUse).toBe('id')
    expect(parseConfig({ ...base, AUTHORIZER_TOKEN_USE: 'access' }).tokenUse).toBe('access')
  })

  it('refuses any other value', () => {
    expect(settingAtFault(() => parseConfig({ ...base, AUTHORIZER_TOKEN_USE: 'refresh' }))).toBe('AUTHORIZER_TOKEN_USE')
  })
})
