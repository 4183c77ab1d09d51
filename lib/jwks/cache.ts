// Per-URL remote JWKS cache for warm containers: shared in-flight fetch, Cache-Control freshness, kid-miss cooldown, stale-if-error.
import type { JwksTuning } from '../settings/jwks.js'
import { AuthorizerError, ErrorCode } from '../errors.js'
import { fetchJwks, JwksFetchError, type JwksFetcher } from './fetch.js'
import { jwksLogUrl, SkipLog } from './log.js'
import { frozenKeys, importJwks, type VerifyKey } from '../jwt/keys.js'
import type { Logger } from '../observe/logger.js'

export const Freshness = { FRESH: 'fresh', STALE: 'stale' } as const
export type Freshness = (typeof Freshness)[keyof typeof Freshness]

export interface KeySet {
  readonly keys: readonly VerifyKey[]
  readonly freshness: Freshness
}

/** Cube's default lifetime when the provider sends no Cache-Control. */
export const DEFAULT_MAX_AGE_SECONDS = 300
/** Clamp provider lifetimes: max-age=0 would refetch on every request, a year would never see a rotation. */
export const MIN_MAX_AGE_SECONDS = 30
export const MAX_MAX_AGE_SECONDS = 86_400
/** Failed refreshes are retried after 2, 4, 8 ... seconds, never more than this apart (the default lifetime). */
export const MAX_RETRY_BACKOFF_SECONDS = 300

interface Entry {
  readonly keys: readonly VerifyKey[]
  readonly kids: ReadonlySet<string>
  readonly fetchedAtMs: number
  readonly expiresAtMs: number
  readonly staleUntilMs: number
}

export interface JwksCacheDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly fetcher?: JwksFetcher
}

/**
 * Memory is bounded by design: one key set, one in-flight fetch and a few numbers. Unknown kids leave no trace, so a
 * flood of random kids costs at most one fetch per cooldown and no state.
 */
export class JwksCache {
  private entry: Entry | undefined
  private inflight: Promise<Entry> | undefined
  private lastFetchStartMs = Number.NEGATIVE_INFINITY
  private failures = 0
  private retryAtMs = Number.NEGATIVE_INFINITY
  private readonly skipLog: SkipLog
  private readonly logUrl: string

  constructor(
    readonly url: string,
    private readonly tuning: JwksTuning,
    private readonly deps: JwksCacheDeps,
  ) {
    this.logUrl = jwksLogUrl(url)
    this.skipLog = new SkipLog(deps.logger, this.logUrl)
  }

  /**
   * Keys for a token with this kid; refetches on expiry or, at most once per cooldown, on an unknown kid.
   * Refreshes are awaited, not run in the background: Lambda freezes a container between invocations, so background
   * work may never finish. The wait is bounded by the fetch timeout, and a failed refresh falls back to the last keys.
   */
  async keysFor(kid: string | undefined): Promise<KeySet> {
    const now = this.deps.now()
    const entry = this.entry
    // Nothing servable (cold, or stale beyond the stale period): every call tries, without backoff. Every request is
    // failing anyway, so a retry costs nothing that backoff would save; a fetch is never more than one per invocation
    // (concurrent calls share one) and each is cut off by the timeout; and a flapping provider is used the moment it answers.
    if (entry === undefined || now >= entry.staleUntilMs) return this.serve(await this.refresh(), true)
    const expired = now >= entry.expiresAtMs
    const unknownKid = kid !== undefined && !entry.kids.has(kid)
    if (!expired && !unknownKid) return this.serve(entry, false)
    // A fetch already running may bring the missing kid or the renewal: share it rather than start another.
    if (this.inflight !== undefined) return this.refreshOrKeep(entry)
    if (now < this.retryAtMs) return this.serve(entry, false)
    // An unknown kid with a fresh set found nothing new a moment ago, so it waits for the cooldown; this is what bounds
    // a flood of random kids. Such a token then fails as 401 (no key), as any token with an unknown kid does.
    if (expired || now - this.lastFetchStartMs >= this.tuning.cooldownSeconds * 1000) return this.refreshOrKeep(entry)
    return this.serve(entry, false)
  }

  /** The common warm case without a promise (and its microtask turn): fresh keys that know this kid, or a kid-less token. */
  freshKeys(kid: string | undefined): readonly VerifyKey[] | undefined {
    const entry = this.entry
    if (entry === undefined || this.deps.now() >= entry.expiresAtMs) return undefined
    return kid === undefined || entry.kids.has(kid) ? entry.keys : undefined
  }

  private async refreshOrKeep(entry: Entry): Promise<KeySet> {
    try {
      return this.serve(await this.refresh(), true)
    } catch {
      // The failure is logged once by fetch(); the last good keys serve while they are within the stale period.
      return this.serve(entry, false)
    }
  }

  private serve(entry: Entry, justFetched: boolean): KeySet {
    const now = this.deps.now()
    if (justFetched || now < entry.expiresAtMs) return { keys: entry.keys, freshness: Freshness.FRESH }
    if (now < entry.staleUntilMs) return { keys: entry.keys, freshness: Freshness.STALE }
    throw new AuthorizerError(ErrorCode.JWKS_UNAVAILABLE, 'JWKS expired beyond the stale period')
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
    let status: number | undefined
    try {
      const response = await fetcher(this.url, this.tuning.timeoutMs)
      status = response.status
      const skipped: Array<{ index: number; reason: string }> = []
      const keys = frozenKeys(importJwks(response.jwks, (index, reason) => skipped.push({ index, reason })))
      this.skipLog.report(skipped)
      if (keys.length === 0) throw new JwksFetchError('no usable keys', status)
      const maxAge = this.tuning.maxAgeSeconds ?? clampMaxAge(response.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS)
      const now = this.deps.now()
      const expiresAtMs = now + maxAge * 1000
      const entry: Entry = {
        keys,
        kids: new Set(keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]))),
        fetchedAtMs: now,
        expiresAtMs,
        staleUntilMs: expiresAtMs + this.tuning.staleSeconds * 1000,
      }
      this.entry = entry
      this.failures = 0
      this.retryAtMs = Number.NEGATIVE_INFINITY
      this.deps.logger.log('info', 'jwks_fetch', {
        url: this.logUrl, outcome: 'ok', status, keys: keys.length, skipped: skipped.length, max_age_seconds: maxAge, duration_ms: now - started,
      })
      return entry
    } catch (error) {
      this.failed(error, started, status)
      const reason = error instanceof JwksFetchError ? error.message : 'fetch failed'
      throw new AuthorizerError(ErrorCode.JWKS_UNAVAILABLE, `JWKS fetch failed: ${reason}`, { cause: error })
    }
  }

  private failed(error: unknown, started: number, okStatus: number | undefined): void {
    this.failures += 1
    const backoffSeconds = Math.min(MAX_RETRY_BACKOFF_SECONDS, 2 ** Math.min(this.failures, 16))
    const now = this.deps.now()
    this.retryAtMs = now + backoffSeconds * 1000
    const reason = error instanceof JwksFetchError ? error.message : 'fetch failed'
    const status = error instanceof JwksFetchError ? error.status : okStatus
    this.deps.logger.log('warn', 'jwks_fetch', {
      url: this.logUrl, outcome: 'failed', status, reason, duration_ms: now - started, retry_in_seconds: backoffSeconds,
    })
    const entry = this.entry
    if (entry !== undefined && now >= entry.expiresAtMs && now < entry.staleUntilMs)
      this.deps.logger.log('warn', 'jwks_stale', {
        url: this.logUrl,
        age_seconds: Math.floor((now - entry.fetchedAtMs) / 1000),
        stale_remaining_seconds: Math.ceil((entry.staleUntilMs - now) / 1000),
      })
  }
}

export function clampMaxAge(seconds: number): number {
  return Math.min(MAX_MAX_AGE_SECONDS, Math.max(MIN_MAX_AGE_SECONDS, seconds))
}
