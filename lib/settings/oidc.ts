// Parses the OIDC discovery settings: the issuers whose JWKS URL is discovered, and the foreign-host opt-out.
import { configError } from '../errors.js'
import type { Settings } from './env.js'
import { MAX_JWK_ISSUERS, parseJwksUrl } from './jwks.js'
import { parseBoolean, parseNonEmptyList, parseOptional } from './values.js'

export interface OidcSettings {
  /** Exactly as configured: the discovery document's `issuer` and the tokens' `iss` must equal it character for character. */
  readonly issuers: readonly string[]
  /** AUTHORIZER_OIDC_ISSUER (one issuer, set as CUBEJS_JWT_ISSUER) or AUTHORIZER_OIDC_ISSUERS (the token's iss picks). */
  readonly setting: 'AUTHORIZER_OIDC_ISSUER' | 'AUTHORIZER_OIDC_ISSUERS'
  readonly allowForeignJwksHost: boolean
}

/** Settings that name keys or issuers another way: with discovery as well, which would win is anyone's guess. */
const EXCLUSIVE = ['CUBEJS_JWK_URL', 'AUTHORIZER_JWK_URLS', 'CUBEJS_JWT_ISSUER', 'CUBEJS_JWT_KEY'] as const

export function parseOidcSettings(settings: Settings): OidcSettings | undefined {
  const one = parseOptional(settings.AUTHORIZER_OIDC_ISSUER)
  const many = parseOptional(settings.AUTHORIZER_OIDC_ISSUERS)
  if (one === undefined && many === undefined) return undefined
  if (one !== undefined && many !== undefined) throw configError('AUTHORIZER_OIDC_ISSUERS', 'cannot be combined with AUTHORIZER_OIDC_ISSUER')
  const setting = one !== undefined ? 'AUTHORIZER_OIDC_ISSUER' : 'AUTHORIZER_OIDC_ISSUERS'
  for (const other of EXCLUSIVE) {
    if (parseOptional(settings[other]) !== undefined) throw configError(setting, `cannot be combined with ${other} (discovery sets the issuer and its JWKS URL)`)
  }
  const issuers = one !== undefined ? [one.trim()] : (parseNonEmptyList(setting, many) ?? [])
  if (issuers.length > MAX_JWK_ISSUERS) throw configError(setting, `must name at most ${MAX_JWK_ISSUERS} issuers`)
  // The discovery URL is built from the issuer: the same rules as a JWKS URL (https; plain http only on loopback).
  for (const issuer of issuers) {
    parseJwksUrl(setting, issuer)
    if (/[?#]/.test(issuer)) throw configError(setting, 'must be an issuer URL without query or fragment')
  }
  return Object.freeze({
    issuers: Object.freeze(issuers),
    setting,
    allowForeignJwksHost: parseBoolean('AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST', settings.AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST, false),
  })
}

/** OpenID Connect Discovery 1.0 §4: the issuer with any trailing slash removed, plus /.well-known/openid-configuration. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
}
