// Mirrors lib/settings/oidc.ts: which issuers are discovered, the URL rules, and the settings discovery cannot share.
import { describe, expect, it } from 'vitest'
import { discoveryUrl, parseOidcSettings } from '../../../lib/settings/oidc.js'
import { parseConfig } from '../../../lib/settings/config.js'
import type { Settings } from '../../../lib/settings/env.js'
import { settingAtFault } from '../../support/errors.js'

describe('parseOidcSettings', () => {
  it('is off by default', () => {
    expect(parseOidcSettings({})).toBeUndefined()
  })

  it('reads one issuer exactly as written (trimmed), or a comma list', () => {
    expect(parseOidcSettings({ AUTHORIZER_OIDC_ISSUER: ' https://tenant.eu.auth0.com/ ' })).toEqual({ issuers: ['https://tenant.eu.auth0.com/'], setting: 'AUTHORIZER_OIDC_ISSUER', allowForeignJwksHost: false })
    expect(parseOidcSettings({ AUTHORIZER_OIDC_ISSUERS: 'https://a.example, https://b.example/realms/x', AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST: 'true' })).toEqual({
      issuers: ['https://a.example', 'https://b.example/realms/x'],
      setting: 'AUTHORIZER_OIDC_ISSUERS',
      allowForeignJwksHost: true,
    })
  })

  it.each([
    ['plain http to a public host', 'http://idp.example.com'],
    ['another scheme', 'ftp://idp.example.com'],
    ['not a URL', 'idp.example.com'],
    ['credentials', 'https://user:pw@idp.example.com'],
    ['a query', 'https://idp.example.com/?tenant=1'],
  ])('refuses an issuer with %s', (_what, issuer) => {
    expect(settingAtFault(() => parseOidcSettings({ AUTHORIZER_OIDC_ISSUER: issuer }))).toBe('AUTHORIZER_OIDC_ISSUER')
  })

  it('allows plain http on loopback only (tests, local providers)', () => {
    expect(parseOidcSettings({ AUTHORIZER_OIDC_ISSUER: 'http://127.0.0.1:8080/realms/dev' })?.issuers).toEqual(['http://127.0.0.1:8080/realms/dev'])
  })

  it.each(['CUBEJS_JWK_URL', 'AUTHORIZER_JWK_URLS', 'CUBEJS_JWT_ISSUER', 'CUBEJS_JWT_KEY'] as const)('cannot be combined with %s', (other) => {
    expect(settingAtFault(() => parseOidcSettings({ AUTHORIZER_OIDC_ISSUER: 'https://idp.example', [other]: 'x' }))).toBe('AUTHORIZER_OIDC_ISSUER')
  })

  it('takes AUTHORIZER_OIDC_ISSUER or AUTHORIZER_OIDC_ISSUERS, not both', () => {
    expect(settingAtFault(() => parseOidcSettings({ AUTHORIZER_OIDC_ISSUER: 'https://a.example', AUTHORIZER_OIDC_ISSUERS: 'https://b.example' }))).toBe('AUTHORIZER_OIDC_ISSUERS')
  })
})

describe('discoveryUrl', () => {
  it('appends the well-known path after removing a trailing slash (OpenID Connect Discovery §4)', () => {
    expect(discoveryUrl('https://tenant.eu.auth0.com/')).toBe('https://tenant.eu.auth0.com/.well-known/openid-configuration')
    expect(discoveryUrl('https://kc.example/realms/x')).toBe('https://kc.example/realms/x/.well-known/openid-configuration')
  })
})

describe('parseConfig with OIDC issuers', () => {
  const base: Settings = { CUBEJS_JWT_AUDIENCE: 'api' }

  it('uses the discovered JWKS URL and sets the issuer check for one issuer', () => {
    const config = parseConfig({ ...base, AUTHORIZER_OIDC_ISSUER: 'https://idp.example/' }, {}, undefined, undefined, new Map([['https://idp.example/', 'https://idp.example/jwks']]))
    expect(config.issuers).toEqual(['https://idp.example/'])
    expect(config.keySource.kind === 'jwks' && config.keySource.jwks.url).toBe('https://idp.example/jwks')
  })

  it('maps each issuer to its discovered JWKS URL for several', () => {
    const discovered = new Map([['https://a.example', 'https://a.example/k'], ['https://b.example', 'https://b.example/k']])
    const config = parseConfig({ ...base, AUTHORIZER_OIDC_ISSUERS: 'https://a.example,https://b.example' }, {}, undefined, undefined, discovered)
    expect(config.keySource.kind === 'jwks' && [...(config.keySource.jwks.byIssuer ?? [])]).toEqual([...discovered])
  })

  it('refuses to build a configuration before discovery has answered, and refuses the key code options', () => {
    expect(settingAtFault(() => parseConfig({ ...base, AUTHORIZER_OIDC_ISSUER: 'https://idp.example/' }))).toBe('AUTHORIZER_OIDC_ISSUER')
    expect(settingAtFault(() => parseConfig({ ...base, AUTHORIZER_OIDC_ISSUER: 'https://idp.example/' }, { key: 'k'.repeat(40) }))).toBe('AUTHORIZER_OIDC_ISSUER')
  })

  it('still requires an audience unless AUTHORIZER_ALLOW_ANY_AUDIENCE', () => {
    expect(settingAtFault(() => parseConfig({ AUTHORIZER_OIDC_ISSUER: 'https://idp.example/' }, {}, undefined, undefined, new Map([['https://idp.example/', 'https://idp.example/jwks']])))).toBe('CUBEJS_JWT_AUDIENCE')
  })
})
