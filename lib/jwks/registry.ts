// The container's JWKS caches: one per URL and tuning, shared by every runtime and by the init-phase prefetch.
import { jwksUrls, parseJwksSource, parseJwksTuning, type JwksTuning } from '../settings/jwks.js'
import type { Settings } from '../settings/env.js'
import type { Logger } from '../observe/logger.js'
import { JwksCache } from './cache.js'
import type { JwksFetcher } from './fetch.js'

export interface JwksRegistry {
  readonly cacheFor: (url: string, tuning: JwksTuning) => JwksCache
}

export interface JwksRegistryDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly fetcher: JwksFetcher | undefined
}

/** Lives as long as the authorizer, so that a TTL refresh of settings does not throw away fetched keys. */
export function createJwksRegistry(deps: JwksRegistryDeps): JwksRegistry {
  const caches = new Map<string, JwksCache>()
  return {
    cacheFor(url, tuning) {
      const key = JSON.stringify([url, tuning])
      let cache = caches.get(key)
      if (cache === undefined) {
        cache = new JwksCache(url, tuning, { now: deps.now, logger: deps.logger, ...(deps.fetcher ? { fetcher: deps.fetcher } : {}) })
        caches.set(key, cache)
      }
      return cache
    },
  }
}

/** With the JWKS URL in the environment, the first key fetch need not wait for the SSM load: run both at once. */
export function prefetchJwks(registry: JwksRegistry, env: Settings, codeUrl: string | undefined): void {
  try {
    const jwks = parseJwksSource(env, codeUrl)
    if (jwks === undefined) return
    for (const url of jwksUrls(jwks)) registry.cacheFor(url, jwks.tuning).keysFor(undefined).catch(() => {})
  } catch {
    // A bad URL or tuning is reported by the first invocation, with the setting's name.
  }
}

/** The key sets of URLs found at start-up (OIDC discovery) are fetched at once too, with the environment's tuning. */
export function prefetchUrls(registry: JwksRegistry, env: Settings, urls: Iterable<string>): void {
  try {
    const tuning = parseJwksTuning(env)
    for (const url of urls) registry.cacheFor(url, tuning).keysFor(undefined).catch(() => {})
  } catch {
    // A bad tuning setting is reported by the first invocation, with the setting's name.
  }
}
