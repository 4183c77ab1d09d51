// Per-URL remote JWKS cache for warm containers: shared in-flight fetch, Cache-Control freshness, kid-miss cooldown, stale-if-error.
import type { JwksTuning } from './config-jwks.js'
import { AuthorizerError, ErrorCode } from './errors.js'
import { fetchJwks, JwksFetchError, type JwksFetcher } from './jwks-fetch.js'
import { importJwks, type VerifyKey } from './keys.js'
import type { Logger } from './logger.js'

export const Freshness = { FRESH: 'fresh', STALE: 'stale' } as const
export type Freshness = (typeof Freshness)[keyof typeof Freshness]

export interface KeySet {
  readonly keys: readonly VerifyKey[]
  readonly freshness: Freshness
}

/** Cube's default lifetime when the provider sends no Cache-Control. */
export const DEFAULT_MAX_AGE_SECONDS = 300
/** Clamp provider lifetimes: max-age=0 would refetch on every request, a year would never see a rotation. */
const MIN_MAX_AGE_SECONDS = 30
const MAX_MAX_AGE_SECONDS = 86_400
const MAX_RETRY_BACKOFF_SECONDS = 300

interface Entry {
  readonly keys: readonly VerifyKey[]
  readonly fetchedAtMs: number
  readonly expiresAtMs: number
}

export interface JwksCacheDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly fetcher?: JwksFetcher
}

export class JwksCache {
  private entry: Entry | undefined
  private inflight: Promise<Entry> | undefined
  private lastFetchStartMs = Number.NEGATIVE_INFINITY
  private failures = 0
  private retryAtMs = Number.NEGATIVE_INFINITY

  constructor(
    readonly url: string,
    private readonly tuning: JwksTuning,
    private readonly deps: JwksCacheDeps,
  ) {}

  /** Keys for a token with this kid; refetches on expiry or, at most once per cooldown, on an unknown kid. */
  async keysFor(kid: string | undefined): Promise<KeySet> {
    const now = this.deps.now()
    let entry = this.entry
    if (entry === undefined) return { keys: (await this.refresh()).keys, freshness: Freshness.FRESH }
    if (now >= entry.expiresAtMs && now >= this.retryAtMs) entry = await this.refreshOrStale(entry)
    else if (kid !== undefined && !entry.keys.some((k) => k.kid === kid) && now - this.lastFetchStartMs >= this.tuning.cooldownSeconds * 1000)
      entry = await this.refreshOrStale(entry)
    const fresh = this.deps.now() < entry.expiresAtMs
    if (!fresh && this.deps.now() >= entry.expiresAtMs + this.tuning.staleSeconds * 1000)
      throw new AuthorizerError(ErrorCode.JWKS_UNAVAILABLE, 'JWKS expired beyond the stale period')
    return { keys: entry.keys, freshness: fresh ? Freshness.FRESH : Freshness.STALE }
  }

  private async refreshOrStale(entry: Entry): Promise<Entry> {
    try {
      return await this.refresh()
    } catch {
      this.deps.logger.log('warn', 'jwks_stale', { url: this.url, age_seconds: Math.floor((this.deps.now() - entry.fetchedAtMs) / 1000) })
      return entry
    }
  }

  private refresh(): Promise<Entry> {
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  private async fetch(): Promise<Entry> {
    const started = this.deps.now()
    this.lastFetchStartMs = started
    const fetcher = this.deps.fetcher ?? fetchJwks
    try {
      const response = await fetcher(this.url, this.tuning.timeoutMs)
      const keys = importJwks(response.jwks, (index, reason) =>
        this.deps.logger.log('warn', 'jwks_key_skipped', { url: this.url, index, reason }),
      )
      if (keys.length === 0) throw new JwksFetchError('no usable keys', response.status)
      const maxAge = this.tuning.maxAgeSeconds ?? clamp(response.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)
      const now = this.deps.now()
      const entry: Entry = { keys, fetchedAtMs: now, expiresAtMs: now + maxAge * 1000 }
      this.entry = entry
      this.failures = 0
      this.retryAtMs = Number.NEGATIVE_INFINITY
      this.deps.logger.log('info', 'jwks_fetch', { url: this.url, outcome: 'ok', status: response.status, keys: keys.length, max_age_seconds: maxAge, duration_ms: now - started })
      return entry
    } catch (error) {
      this.failures += 1
      // Exponential backoff between failed refreshes so an outage is not hammered by every request.
      const backoffSeconds = Math.min(MAX_RETRY_BACKOFF_SECONDS, 2 ** Math.min(this.failures, 10))
      this.retryAtMs = this.deps.now() + backoffSeconds * 1000
      const reason = error instanceof JwksFetchError ? error.message : 'connection failed'
      const status = error instanceof JwksFetchError ? error.status : undefined
      this.deps.logger.log('warn', 'jwks_fetch', { url: this.url, outcome: 'failed', status, reason, duration_ms: this.deps.now() - started })
      throw new AuthorizerError(ErrorCode.JWKS_UNAVAILABLE, `JWKS fetch failed: ${reason}`, { cause: error })
    }
  }
}

function clamp(seconds: number): number {
  return Math.min(MAX_MAX_AGE_SECONDS, Math.max(MIN_MAX_AGE_SECONDS, seconds))
}
