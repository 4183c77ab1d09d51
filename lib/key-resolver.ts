// Where a token's verification keys come from: the static keys of the settings, or the JWKS cache of its URL or issuer.
import type { KeySource } from './settings/config.js'
import { AuthorizerError, ErrorCode } from './errors.js'
import type { JwksCache } from './jwks/cache.js'
import type { JwksRegistry } from './jwks/registry.js'
import type { VerifyOptions } from './jwt/verify.js'

export const KeyState = { STATIC: 'static', FRESH: 'fresh', STALE: 'stale' } as const
export type KeyState = (typeof KeyState)[keyof typeof KeyState]

/** Notes the KeyState in `progress.keys`; `issuer` reads the (not yet verified) `iss`, needed only when issuers map to their own key sets. */
export function keyResolver(source: KeySource, registry: JwksRegistry): VerifyOptions['keysFor'] {
  if (source.kind === 'static') {
    const keys = source.keys
    return (_kid, _issuer, progress) => {
      progress.keys = KeyState.STATIC
      return keys
    }
  }
  const { url, byIssuer, tuning } = source.jwks
  // The registry keys its map by the JSON of URL and tuning: look each (configured, so few) URL up once, not per call.
  const caches = new Map<string, JwksCache>()
  const cacheFor = (chosen: string) => {
    let cache = caches.get(chosen)
    if (cache === undefined) caches.set(chosen, (cache = registry.cacheFor(chosen, tuning)))
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
