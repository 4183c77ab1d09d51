// Parses the remote JWKS settings: the URL (https only, http for loopback) and the cache's tuning.
import type { Settings } from './env.js'
import { parseInteger, parseOptional } from './values.js'
import { configError } from '../errors.js'

export interface JwksTuning {
  /** Overrides Cache-Control when set. */
  readonly maxAgeSeconds: number | undefined
  readonly cooldownSeconds: number
  readonly timeoutMs: number
  readonly staleSeconds: number
}

export interface JwksSource {
  /** CUBEJS_JWK_URL: one key set for every token. */
  readonly url: string | undefined
  /** AUTHORIZER_JWK_URLS: the token's `iss` picks its key set, and only a configured issuer gets one. */
  readonly byIssuer: ReadonlyMap<string, string> | undefined
  readonly tuning: JwksTuning
}

/** Bounds the caches (and init-phase prefetches) one container may hold. */
export const MAX_JWK_ISSUERS = 20

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** Plain http would let anyone on the path swap the keys, so it is only allowed where tests run: loopback. */
export function parseJwksUrl(setting: string, value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw configError(setting, 'is not a valid URL')
  }
  if (url.username !== '' || url.password !== '') throw configError(setting, 'must not contain credentials')
  if (url.protocol === 'https:') return url.href
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)) return url.href
  throw configError(setting, 'must be an https URL (plain http only for loopback hosts)')
}

export function parseJwksTuning(settings: Settings): JwksTuning {
  const maxAge = parseOptional(settings.AUTHORIZER_JWKS_MAX_AGE_SECONDS)
  return Object.freeze({
    maxAgeSeconds: maxAge === undefined ? undefined : parseInteger('AUTHORIZER_JWKS_MAX_AGE_SECONDS', maxAge, 300, 0, 86_400),
    cooldownSeconds: parseInteger('AUTHORIZER_JWKS_COOLDOWN_SECONDS', settings.AUTHORIZER_JWKS_COOLDOWN_SECONDS, 30, 0, 3600),
    timeoutMs: parseInteger('AUTHORIZER_JWKS_TIMEOUT_MS', settings.AUTHORIZER_JWKS_TIMEOUT_MS, 2000, 50, 29_000),
    staleSeconds: parseInteger('AUTHORIZER_JWKS_STALE_SECONDS', settings.AUTHORIZER_JWKS_STALE_SECONDS, 86_400, 0, 7 * 86_400),
  })
}

/** AUTHORIZER_JWK_URLS: a JSON object mapping each issuer (exact `iss`) to its JWKS URL (multi-tenant, cube-js/cube#7860). */
export function parseIssuerUrls(value: string): ReadonlyMap<string, string> {
  const name = 'AUTHORIZER_JWK_URLS'
  let json: unknown
  try {
    json = JSON.parse(value)
  } catch {
    throw configError(name, 'must be a JSON object like {"https://issuer/": "https://issuer/.well-known/jwks.json"}')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw configError(name, 'must be a JSON object of issuer to URL')
  const entries = Object.entries(json)
  if (entries.length === 0 || entries.length > MAX_JWK_ISSUERS) throw configError(name, `must name between 1 and ${MAX_JWK_ISSUERS} issuers`)
  return new Map(entries.map(([issuer, url]) => {
    if (issuer === '' || typeof url !== 'string') throw configError(name, 'maps each non-empty issuer to a URL string')
    return [issuer, parseJwksUrl(name, url)]
  }))
}

export function parseJwksSource(settings: Settings, codeUrl: string | undefined): JwksSource | undefined {
  const raw = parseOptional(codeUrl) ?? parseOptional(settings.CUBEJS_JWK_URL)
  const issuers = parseOptional(settings.AUTHORIZER_JWK_URLS)
  if (raw === undefined && issuers === undefined) return undefined
  // Two sources of keys would leave it unclear which one an unmapped issuer may use: refuse rather than guess.
  if (raw !== undefined && issuers !== undefined) throw configError('AUTHORIZER_JWK_URLS', 'cannot be combined with CUBEJS_JWK_URL')
  return Object.freeze({
    url: raw === undefined ? undefined : parseJwksUrl('CUBEJS_JWK_URL', raw),
    byIssuer: issuers === undefined ? undefined : parseIssuerUrls(issuers),
    tuning: parseJwksTuning(settings),
  })
}

/** Every URL the source may fetch from. */
export function jwksUrls(source: JwksSource): string[] {
  return source.url !== undefined ? [source.url] : [...(source.byIssuer?.values() ?? [])]
}
