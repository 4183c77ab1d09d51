// What the JWKS cache may say about a key set in logs: the URL without its query, and skipped keys once per distinct set.
import type { Logger } from '../observe/logger.js'

/** At most this many skipped keys are itemised per distinct key set; the fetch line always carries the count. */
export const MAX_SKIP_LINES = 10

/** Origin and path only: a query string may carry an API key, and the URL is needed to tell several JWKS URLs apart. */
export function jwksLogUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  } catch {
    return '[invalid url]'
  }
}

export interface SkippedKey {
  readonly index: number
  readonly reason: string
}

/**
 * Logs skipped keys (index and reason, never key members) when the set of skips changes, not on every refresh:
 * a provider that publishes one odd key would otherwise repeat the same warnings every few minutes forever.
 * Holds a single fingerprint, so its memory does not grow.
 */
export class SkipLog {
  private fingerprint = ''

  constructor(
    private readonly logger: Logger,
    private readonly url: string,
  ) {}

  report(skipped: readonly SkippedKey[]): void {
    const fingerprint = skipped.map((skip) => `${skip.index}:${skip.reason}`).join('|')
    if (fingerprint === this.fingerprint) return
    this.fingerprint = fingerprint
    for (const skip of skipped.slice(0, MAX_SKIP_LINES)) this.logger.log('warn', 'jwks_key_skipped', { url: this.url, index: skip.index, reason: skip.reason })
    if (skipped.length > MAX_SKIP_LINES) this.logger.log('warn', 'jwks_key_skipped', { url: this.url, more: skipped.length - MAX_SKIP_LINES })
  }
}
