// Parses the remote JWKS settings: the URL (https only, http for loopback) and the cache's tuning.
import type { Settings } from './config-env.js'
import { parseInteger, parseOptional } from './config-values.js'
import { configError } from './errors.js'

export interface JwksTuning {
  /** Overrides Cache-Control when set. */
  readonly maxAgeSeconds: number | undefined
  readonly cooldownSeconds: number
  readonly timeoutMs: number
  readonly staleSeconds: number
}

export interface JwksSource {
  readonly url: string
  readonly tuning: JwksTuning
}

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

export function parseJwksSource(settings: Settings, codeUrl: string | undefined): JwksSource | undefined {
  const raw = codeUrl ?? parseOptional(settings.CUBEJS_JWK_URL)
  if (raw === undefined) return undefined
  return Object.freeze({ url: parseJwksUrl('CUBEJS_JWK_URL', raw), tuning: parseJwksTuning(settings) })
}
