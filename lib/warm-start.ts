// Work started at module evaluation (the init phase): the SSM load and, when its URL is already known, the first JWKS fetch.
import { jwksUrls, parseJwksSource } from './settings/jwks.js'
import type { Settings } from './settings/env.js'
import type { JwksCache } from './jwks/cache.js'
import { jwksCacheFor } from './runtime.js'
import type { JwksFetcher } from './jwks/fetch.js'
import type { Logger } from './observe/logger.js'
import { defaultSettingsSource, type SettingsSource } from './settings/source.js'

export interface WarmStartDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly jwksCaches: Map<string, JwksCache>
  readonly jwksFetcher: JwksFetcher | undefined
  readonly jwkUrl: string | undefined
}

export function startDefaultSource(env: Settings, deps: WarmStartDeps): SettingsSource {
  const source = defaultSettingsSource(env, deps)
  if (env.AUTHORIZER_SSM_PATH !== undefined && env.AUTHORIZER_SSM_PATH.trim() !== '') prefetchJwks(env, deps)
  return source
}

/** With the JWKS URL in the environment, the first key fetch need not wait for the SSM load: run both at once. */
function prefetchJwks(env: Settings, deps: WarmStartDeps): void {
  try {
    const jwks = parseJwksSource(env, deps.jwkUrl)
    if (jwks === undefined) return
    for (const url of jwksUrls(jwks)) jwksCacheFor(url, jwks.tuning, deps).keysFor(undefined).catch(() => {})
  } catch {
    // A bad URL or tuning is reported by the first invocation, with the setting's name.
  }
}
