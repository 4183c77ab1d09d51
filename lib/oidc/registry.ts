// The container's OIDC discoveries: one per issuer, kept for the container's life once it succeeds, retried at most once per cooldown after a failure.
import { configError } from '../errors.js'
import { fetchJsonDocument, type JsonFetcher } from '../jwks/fetch.js'
import { jwksLogUrl } from '../jwks/log.js'
import type { Logger } from '../observe/logger.js'
import type { Settings } from '../settings/env.js'
import { parseJwksTuning } from '../settings/jwks.js'
import { parseOidcSettings, type OidcSettings } from '../settings/oidc.js'
import { discoverJwksUri } from './discover.js'

/** Issuer (exactly as configured) → its discovered JWKS URL, in the configured order. */
export type DiscoveredIssuers = ReadonlyMap<string, string>

export interface OidcRegistryDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly fetcher?: JsonFetcher
}

export interface OidcRegistry {
  /**
   * The discovered JWKS URLs of the settings' OIDC issuers; undefined without OIDC settings. Answers synchronously once
   * every issuer is known (the same Map object each time, so runtimes built on it are reused), else a promise.
   */
  readonly discoveredFor: (settings: Settings) => DiscoveredIssuers | undefined | Promise<DiscoveredIssuers>
}

type Entry =
  | { readonly state: 'ok'; readonly jwksUri: string }
  | { readonly state: 'pending'; readonly promise: Promise<string> }
  | { readonly state: 'failed'; readonly error: unknown; readonly retryAtMs: number }

export function createOidcRegistry(deps: OidcRegistryDeps): OidcRegistry {
  const fetcher = deps.fetcher ?? fetchJsonDocument
  const entries = new Map<string, Entry>()
  const memo = new Map<string, DiscoveredIssuers>()

  /** One discovery per issuer and options at a time; a success is final, a failure is repeated until its cooldown ends. */
  function jwksUriOf(issuer: string, oidc: OidcSettings, timeoutMs: number, cooldownSeconds: number): string | Promise<string> {
    const key = JSON.stringify([issuer, oidc.allowForeignJwksHost, oidc.setting])
    const entry = entries.get(key)
    if (entry?.state === 'ok') return entry.jwksUri
    if (entry?.state === 'pending') return entry.promise
    if (entry?.state === 'failed' && deps.now() < entry.retryAtMs) throw entry.error
    const started = deps.now()
    const promise = discoverJwksUri(issuer, { setting: oidc.setting, timeoutMs, allowForeignJwksHost: oidc.allowForeignJwksHost, fetcher }).then(
      (jwksUri) => {
        entries.set(key, { state: 'ok', jwksUri })
        deps.logger.log('info', 'oidc_discovered', { issuer: jwksLogUrl(issuer), jwks_url: jwksLogUrl(jwksUri), latency_ms: deps.now() - started })
        return jwksUri
      },
      (error: unknown) => {
        entries.set(key, { state: 'failed', error, retryAtMs: deps.now() + cooldownSeconds * 1000 })
        const detail = error instanceof Error ? error.message : 'unknown'
        deps.logger.log('error', 'oidc_discovery_failed', { issuer: jwksLogUrl(issuer), detail, setting: oidc.setting, latency_ms: deps.now() - started })
        throw error
      },
    )
    entries.set(key, { state: 'pending', promise })
    // Whoever awaits it sees the failure; this keeps a discovery nobody awaits any more (another issuer of the same
    // request failed first) from becoming an unhandled rejection, which would end the Lambda process.
    promise.catch(() => {})
    return promise
  }

  // The environment source hands out the same settings object on every invocation: skip re-parsing it.
  let last: { readonly settings: Settings; readonly found: DiscoveredIssuers | undefined } | undefined

  return {
    discoveredFor(settings) {
      if (last !== undefined && last.settings === settings) return last.found
      const found = discover(settings)
      if (!(found instanceof Promise)) last = { settings, found }
      return found
    },
  }

  function discover(settings: Settings): DiscoveredIssuers | undefined | Promise<DiscoveredIssuers> {
    const oidc = parseOidcSettings(settings)
    if (oidc === undefined) return undefined
    const { timeoutMs, cooldownSeconds } = parseJwksTuning(settings)
    const memoKey = JSON.stringify([oidc.issuers, oidc.allowForeignJwksHost, oidc.setting])
    const known = memo.get(memoKey)
    if (known !== undefined) return known
    const found = oidc.issuers.map((issuer) => jwksUriOf(issuer, oidc, timeoutMs, cooldownSeconds))
    const complete = (uris: readonly string[]): DiscoveredIssuers => {
      const map: DiscoveredIssuers = new Map(oidc.issuers.map((issuer, index) => [issuer, uris[index] ?? '']))
      if ([...map.values()].some((uri) => uri === '')) throw configError(oidc.setting, 'discovery returned no jwks_uri')
      memo.set(memoKey, map)
      return map
    }
    if (found.every((uri): uri is string => typeof uri === 'string')) return complete(found)
    return Promise.all(found).then(complete)
  }
}

/** Starts discovery in the init phase, next to the SSM load, for the issuers the environment names. */
export function prefetchOidc(registry: OidcRegistry, env: Settings, onDiscovered: (issuers: DiscoveredIssuers) => void): void {
  try {
    const found = registry.discoveredFor(env)
    if (found === undefined) return
    if (found instanceof Map) onDiscovered(found)
    else Promise.resolve(found).then(onDiscovered, () => {})
  } catch {
    // A bad setting or a failed discovery is reported by the first invocation, with the setting's name.
  }
}
