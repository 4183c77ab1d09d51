// The per-settings runtime: parsed configuration plus key resolution (static keys or the shared JWKS caches).
import { parseConfig, type Config, type JwtOptions } from './config.js'
import type { Settings } from './config-env.js'
import type { JwksTuning } from './config-jwks.js'
import { AuthorizerError, ErrorCode } from './errors.js'
import { JwksCache } from './jwks-cache.js'
import type { JwksFetcher } from './jwks-fetch.js'
import type { Logger } from './logger.js'
import { KidRule } from './select-key.js'
import type { VerifyOptions } from './verify.js'

export const KeyState = { STATIC: 'static', FRESH: 'fresh', STALE: 'stale' } as const
export type KeyState = (typeof KeyState)[keyof typeof KeyState]

export interface Runtime {
  readonly config: Config
  /** Built once per settings, not per invocation; its keysFor notes the KeyState in `progress.keys`. */
  readonly verifyOptions: VerifyOptions
}

export interface RuntimeDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly jwksFetcher: JwksFetcher | undefined
  /** Survives settings reloads so that a TTL refresh of settings does not throw away fetched keys. */
  readonly jwksCaches: Map<string, JwksCache>
}

/** One cache per URL and tuning, shared by every runtime the authorizer builds (and by the init-phase prefetch). */
export function jwksCacheFor(url: string, tuning: JwksTuning, deps: RuntimeDeps): JwksCache {
  const key = JSON.stringify([url, tuning])
  let cache = deps.jwksCaches.get(key)
  if (cache === undefined) {
    cache = new JwksCache(url, tuning, { now: deps.now, logger: deps.logger, ...(deps.jwksFetcher ? { fetcher: deps.jwksFetcher } : {}) })
    deps.jwksCaches.set(key, cache)
  }
  return cache
}

export function buildRuntime(settings: Settings, jwt: JwtOptions | undefined, deps: RuntimeDeps): Runtime {
  const config = parseConfig(settings, jwt, (index, reason, setting = 'CUBEJS_JWT_KEY') =>
    deps.logger.log('warn', 'key_skipped', { setting, index, reason }),
  )
  const kidRule = config.keySource.kind === 'static' ? config.keySource.kidRule : KidRule.REQUIRED
  return { config, verifyOptions: Object.freeze({ ...config, kidRule, keysFor: keyResolver(config, deps) }) }
}

/** `issuer` reads the (not yet verified) `iss`, only needed when issuers map to their own key sets. */
function keyResolver(config: Config, deps: RuntimeDeps): VerifyOptions['keysFor'] {
  const source = config.keySource
  if (source.kind === 'static') {
    const keys = source.keys
    return (_kid, _issuer, progress) => {
      progress.keys = KeyState.STATIC
      return keys
    }
  }
  const { url, byIssuer, tuning } = source.jwks
  // jwksCacheFor keys its map by the JSON of URL and tuning: look each (configured, so few) URL up once, not per call.
  const caches = new Map<string, JwksCache>()
  const cacheFor = (chosen: string) => {
    let cache = caches.get(chosen)
    if (cache === undefined) caches.set(chosen, (cache = jwksCacheFor(chosen, tuning, deps)))
    return cache
  }
  return (kid, issuer, progress) => {
    const iss = byIssuer === undefined ? undefined : issuer()
    // The URL comes from settings only: an issuer we were not told about gets no key set at all.
    const chosen = url ?? (typeof iss === 'string' ? byIssuer?.get(iss) : undefined)
    if (chosen === undefined) throw new AuthorizerError(ErrorCode.ISSUER_MISMATCH, 'iss has no configured JWKS URL')
    const cache = cacheFor(chosen)
    const fresh = cache.freshKeys(kid)
    if (fresh !== undefined) {
      progress.keys = KeyState.FRESH
      return fresh
    }
    return cache.keysFor(kid).then((set) => {
      progress.keys = set.freshness
      return set.keys
    })
  }
}
