// The per-settings runtime: parsed configuration plus key resolution (static keys or the shared JWKS caches).
import { parseConfig, type Config, type JwtOptions } from './config.js'
import type { Settings } from './config-env.js'
import { JwksCache } from './jwks-cache.js'
import type { JwksFetcher } from './jwks-fetch.js'
import type { VerifyKey } from './keys.js'
import type { Logger } from './logger.js'

export const KeyState = { STATIC: 'static', FRESH: 'fresh', STALE: 'stale' } as const
export type KeyState = (typeof KeyState)[keyof typeof KeyState]

export interface Runtime {
  readonly config: Config
  readonly keysFor: (kid: string | undefined, report: (state: KeyState) => void) => readonly VerifyKey[] | Promise<readonly VerifyKey[]>
}

export interface RuntimeDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly jwksFetcher: JwksFetcher | undefined
  /** Survives settings reloads so that a TTL refresh of settings does not throw away fetched keys. */
  readonly jwksCaches: Map<string, JwksCache>
}

export function buildRuntime(settings: Settings, jwt: JwtOptions | undefined, deps: RuntimeDeps): Runtime {
  const config = parseConfig(settings, jwt, (index, reason) =>
    deps.logger.log('warn', 'key_skipped', { setting: 'CUBEJS_JWT_KEY', index, reason }),
  )
  const source = config.keySource
  if (source.kind === 'static') {
    const keys = source.keys
    return { config, keysFor: (_kid, report) => (report(KeyState.STATIC), keys) }
  }
  const { url, tuning } = source.jwks
  const cacheKey = JSON.stringify([url, tuning])
  let cache = deps.jwksCaches.get(cacheKey)
  if (cache === undefined) {
    cache = new JwksCache(url, tuning, { now: deps.now, logger: deps.logger, ...(deps.jwksFetcher ? { fetcher: deps.jwksFetcher } : {}) })
    deps.jwksCaches.set(cacheKey, cache)
  }
  const jwks = cache
  return {
    config,
    keysFor: async (kid, report) => {
      const set = await jwks.keysFor(kid)
      report(set.freshness)
      return set.keys
    },
  }
}
