// JwksCache with the real fetcher against a real JWKS server on 127.0.0.1, on an injected clock, counting fetches.
import { describe, expect, it } from 'vitest'
import { parseJwksTuning } from '../../../lib/settings/jwks.js'
import { AuthorizerError, ErrorCode } from '../../../lib/errors.js'
import { JwksCache, MAX_RETRY_BACKOFF_SECONDS } from '../../../lib/jwks/cache.js'
import { MAX_SKIP_LINES } from '../../../lib/jwks/log.js'
import type { Logger, LogFields } from '../../../lib/observe/logger.js'
import { generateJwk, startJwksServer, type JwksServer, type JwksServerOptions } from '../../support/jwks-server.js'
import { closedAfterEach } from '../../support/closed-after-each.js'
import type { Settings } from '../../../lib/settings/env.js'
import { HANG_TIMEOUT_MS, PATIENT_JWKS } from '../../support/patience.js'

const track = closedAfterEach()
const serve = async (options: JwksServerOptions = {}): Promise<JwksServer> => track(await startJwksServer(options))

type Line = { level: string; message: string } & LogFields

/** A cache on `settings` (the AUTHORIZER_JWKS_* names) with a patient fetch timeout unless the test sets one. */
function harness(url: string, settings: Settings = {}) {
  let clockMs = 1_700_000_000_000
  const lines: Line[] = []
  const logger: Logger = { log: (level, message, fields) => lines.push({ level, message, ...fields }) }
  const cache = new JwksCache(url, parseJwksTuning({ ...PATIENT_JWKS, ...settings }), { now: () => clockMs, logger })
  return {
    cache,
    lines,
    named: (message: string) => lines.filter((line) => line.message === message),
    advanceSeconds: (seconds: number) => {
      clockMs += seconds * 1000
    },
  }
}

const kidsOf = (set: { keys: readonly { kid: string | undefined }[] }) => set.keys.map((key) => key.kid)

async function unavailable(promise: Promise<unknown>): Promise<AuthorizerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof AuthorizerError)) throw new Error(`expected an AuthorizerError, got ${String(error)}`)
  expect(error.code).toBe(ErrorCode.JWKS_UNAVAILABLE)
  return error
}

const A = await generateJwk('ES256', 'key-a')
const B = await generateJwk('ES256', 'key-b')
const R = await generateJwk('RS256', 'key-rsa')
const ONE = { keys: [A.publicJwk] }
const BOTH = { keys: [A.publicJwk, B.publicJwk] }

describe('JwksCache reuse', () => {
  it('fetches once and answers 100 warm calls from memory', async () => {
    const server = await serve({ keys: ONE })
    const { cache } = harness(server.url)
    for (let i = 0; i < 100; i += 1) expect(kidsOf(await cache.keysFor('key-a'))).toEqual(['key-a'])
    expect(server.requests).toBe(1)
  })

  it('makes 20 concurrent cold calls share one fetch', async () => {
    const server = await serve({ keys: ONE, mode: { kind: 'delay', ms: 50 } })
    const { cache } = harness(server.url)
    const sets = await Promise.all(Array.from({ length: 20 }, () => cache.keysFor('key-a')))
    expect(sets.every((set) => set.freshness === 'fresh' && set.keys.length === 1)).toBe(true)
    expect(server.requests).toBe(1)
  })

  it('keeps one cache per URL: two providers are fetched and answered separately', async () => {
    const first = await serve({ keys: ONE })
    const second = await serve({ keys: { keys: [R.publicJwk] } })
    const one = harness(first.url)
    const two = harness(second.url)
    expect(kidsOf(await one.cache.keysFor('key-a'))).toEqual(['key-a'])
    expect(kidsOf(await two.cache.keysFor('key-rsa'))).toEqual(['key-rsa'])
    expect([first.requests, second.requests]).toEqual([1, 1])
  })
})

describe('JwksCache freshness', () => {
  it('keeps keys for 300 seconds when the provider sends no Cache-Control', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    advanceSeconds(299)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(1)
    advanceSeconds(1)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(2)
  })

  it.each([
    ['max-age=600', 600],
    ['max-age=5', 30],
    ['no-cache', 30],
    ['max-age=31536000', 86_400],
  ])('keeps keys served with Cache-Control %s for %i seconds', async (cacheControl, lifetime) => {
    const server = await serve({ keys: ONE, headers: { 'Cache-Control': cacheControl } })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    advanceSeconds(lifetime - 1)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(1)
    advanceSeconds(1)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(2)
  })

  it('counts the Age a CDN reports against max-age', async () => {
    const server = await serve({ keys: ONE, headers: { 'Cache-Control': 'max-age=600', Age: '500' } })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    advanceSeconds(100)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(2)
  })

  it('uses AUTHORIZER_JWKS_MAX_AGE_SECONDS instead of Cache-Control when set', async () => {
    const server = await serve({ keys: ONE, headers: { 'Cache-Control': 'max-age=600' } })
    const { cache, advanceSeconds } = harness(server.url, { AUTHORIZER_JWKS_MAX_AGE_SECONDS: '60' })
    await cache.keysFor('key-a')
    advanceSeconds(59)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(1)
    advanceSeconds(1)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(2)
  })

  it('refetches on every call, reporting the keys fresh, with AUTHORIZER_JWKS_MAX_AGE_SECONDS=0', async () => {
    const server = await serve({ keys: ONE, headers: { 'Cache-Control': 'max-age=600' } })
    const { cache } = harness(server.url, { AUTHORIZER_JWKS_MAX_AGE_SECONDS: '0' })
    for (let i = 0; i < 3; i += 1) expect((await cache.keysFor('key-a')).freshness).toBe('fresh')
    expect(server.requests).toBe(3)
  })

  it('refreshes expired keys with one fetch however many calls wait for it, and serves the new set as fresh', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    server.setKeys(BOTH)
    server.setMode({ kind: 'delay', ms: 50 })
    advanceSeconds(300)
    const sets = await Promise.all(Array.from({ length: 20 }, () => cache.keysFor('key-a')))
    expect(server.requests).toBe(2)
    expect(sets.every((set) => set.freshness === 'fresh' && set.keys.length === 2)).toBe(true)
  })

  it('answers a call with a known kid after the fetch timeout when the refresh hangs, with the previous keys as stale', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url, { AUTHORIZER_JWKS_TIMEOUT_MS: String(HANG_TIMEOUT_MS) })
    await cache.keysFor('key-a')
    server.setMode({ kind: 'hang' })
    advanceSeconds(300)
    const set = await cache.keysFor('key-a')
    expect(set.freshness).toBe('stale')
    expect(kidsOf(set)).toEqual(['key-a'])
  })
})

describe('JwksCache rotation', () => {
  it('refetches for an unknown kid only once the cooldown since the last fetch has passed, then serves the new key', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    server.setKeys(BOTH)
    advanceSeconds(29)
    expect(kidsOf(await cache.keysFor('key-b'))).toEqual(['key-a'])
    expect(server.requests).toBe(1)
    advanceSeconds(1)
    expect(kidsOf(await cache.keysFor('key-b'))).toEqual(['key-a', 'key-b'])
    expect(server.requests).toBe(2)
  })

  it('honours AUTHORIZER_JWKS_COOLDOWN_SECONDS', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url, { AUTHORIZER_JWKS_COOLDOWN_SECONDS: '5' })
    await cache.keysFor('key-a')
    advanceSeconds(5)
    await cache.keysFor('unknown')
    expect(server.requests).toBe(2)
  })

  it('lets a flood of 200 random kids cause one fetch per cooldown window', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    const flood = () => Promise.all(Array.from({ length: 200 }, () => cache.keysFor(crypto.randomUUID())))
    await flood()
    expect(server.requests).toBe(1)
    for (let window = 1; window <= 3; window += 1) {
      advanceSeconds(30)
      await flood()
      for (let i = 0; i < 200; i += 1) await cache.keysFor(crypto.randomUUID())
      expect(server.requests).toBe(1 + window)
    }
  })

  it('remembers nothing about kids it did not find: a kid missed in a flood is served once the provider publishes it', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    advanceSeconds(30)
    for (let i = 0; i < 50; i += 1) await cache.keysFor('key-b')
    expect(server.requests).toBe(2)
    server.setKeys(BOTH)
    advanceSeconds(30)
    expect(kidsOf(await cache.keysFor('key-b'))).toContain('key-b')
    expect(server.requests).toBe(3)
  })

  it('never refetches for a token without kid', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor(undefined)
    advanceSeconds(100)
    await cache.keysFor(undefined)
    expect(server.requests).toBe(1)
  })

  it('lets a call with another unknown kid share the refetch already in flight instead of waiting for the next cooldown', async () => {
    const C = await generateJwk('ES256', 'key-c')
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    server.setKeys({ keys: [A.publicJwk, B.publicJwk, C.publicJwk] })
    server.setMode({ kind: 'delay', ms: 50 })
    advanceSeconds(30)
    const [forB, forC] = await Promise.all([cache.keysFor('key-b'), cache.keysFor('key-c')])
    expect(kidsOf(forB)).toContain('key-b')
    expect(kidsOf(forC)).toContain('key-c')
    expect(server.requests).toBe(2)
  })
})

describe('JwksCache outages', () => {
  it('fails with jwks_unavailable when nothing is cached, caches no failure, and tries again on the next call', async () => {
    const server = await serve({ keys: ONE, mode: { kind: 'status', status: 500 } })
    const { cache } = harness(server.url)
    await unavailable(cache.keysFor('key-a'))
    await unavailable(cache.keysFor('key-a'))
    expect(server.requests).toBe(2)
    server.setMode({ kind: 'ok' })
    expect((await cache.keysFor('key-a')).freshness).toBe('fresh')
    expect(server.requests).toBe(3)
  })

  it.each([
    ['500', { kind: 'status', status: 500 }, 'unexpected status'],
    ['HTML', { kind: 'html' }, 'body is not JSON'],
    ['garbage', { kind: 'garbage' }, 'body is not JSON'],
    ['JSON without keys', { kind: 'noKeys' }, 'body has no keys array'],
    ['5 MB', { kind: 'huge', bytes: 5_000_000 }, 'response too large'],
    ['redirect', { kind: 'redirect', location: 'http://127.0.0.1:9/jwks.json' }, 'redirect refused'],
  ] as const)('treats a %s answer as a failed fetch', async (_name, mode, reason) => {
    const server = await serve({ keys: ONE, mode })
    const { cache } = harness(server.url)
    expect((await unavailable(cache.keysFor('key-a'))).message).toBe(`JWKS fetch failed: ${reason}`)
  })

  it('fails a cold call against a hung server once the fetch timeout has passed', async () => {
    const server = await serve({ mode: { kind: 'hang' } })
    const { cache } = harness(server.url, { AUTHORIZER_JWKS_TIMEOUT_MS: '200' })
    expect((await unavailable(cache.keysFor('key-a'))).message).toBe('JWKS fetch failed: timeout')
  })

  it('serves the last good keys as stale through an outage, retrying with backoff, and is fresh again after recovery', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds, named } = harness(server.url)
    await cache.keysFor('key-a')
    server.setMode({ kind: 'status', status: 503 })
    advanceSeconds(300)
    const stale = await cache.keysFor('key-a')
    expect(stale.freshness).toBe('stale')
    expect(kidsOf(stale)).toEqual(['key-a'])
    expect(server.requests).toBe(2)
    expect(named('jwks_stale')).toEqual([expect.objectContaining({ level: 'warn', age_seconds: 300, stale_remaining_seconds: 86_400 })])
    // Backoff: 2 s after the first failure, then 4 s; calls in between are served without a fetch.
    for (let i = 0; i < 50; i += 1) await cache.keysFor('key-a')
    expect(server.requests).toBe(2)
    advanceSeconds(2)
    expect((await cache.keysFor('key-a')).freshness).toBe('stale')
    expect(server.requests).toBe(3)
    advanceSeconds(3)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(3)
    advanceSeconds(1)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(4)
    expect(named('jwks_stale')).toHaveLength(3)
    server.setMode({ kind: 'ok' })
    server.setKeys(BOTH)
    advanceSeconds(8)
    const recovered = await cache.keysFor('key-a')
    expect(recovered.freshness).toBe('fresh')
    expect(kidsOf(recovered)).toEqual(['key-a', 'key-b'])
    expect(server.requests).toBe(5)
    // Recovery resets the backoff: the next expiry refreshes on time.
    advanceSeconds(300)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(6)
  })

  it('never spaces retries further apart than the cap', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url)
    await cache.keysFor('key-a')
    server.setMode({ kind: 'status', status: 500 })
    advanceSeconds(300)
    for (let i = 0; i < 12; i += 1) {
      await cache.keysFor('key-a')
      advanceSeconds(MAX_RETRY_BACKOFF_SECONDS)
    }
    expect(server.requests).toBe(13)
  })

  it('fails once the keys are stale for longer than AUTHORIZER_JWKS_STALE_SECONDS, and then tries on every call', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url, { AUTHORIZER_JWKS_STALE_SECONDS: '3600' })
    await cache.keysFor('key-a')
    server.setMode({ kind: 'status', status: 500 })
    advanceSeconds(300 + 3599)
    expect((await cache.keysFor('key-a')).freshness).toBe('stale')
    advanceSeconds(1)
    await unavailable(cache.keysFor('key-a'))
    await unavailable(cache.keysFor('key-a'))
    expect(server.requests).toBe(4)
    server.setMode({ kind: 'ok' })
    expect((await cache.keysFor('key-a')).freshness).toBe('fresh')
  })

  it('serves no stale keys at all with AUTHORIZER_JWKS_STALE_SECONDS=0', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds } = harness(server.url, { AUTHORIZER_JWKS_STALE_SECONDS: '0' })
    await cache.keysFor('key-a')
    server.setMode({ kind: 'status', status: 500 })
    advanceSeconds(300)
    await unavailable(cache.keysFor('key-a'))
  })

  it('keeps the last good keys when the provider publishes a set with no usable key', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds, named } = harness(server.url)
    await cache.keysFor('key-a')
    server.setKeys({ keys: [{ kty: 'RSA', kid: 'broken' }] })
    advanceSeconds(300)
    const set = await cache.keysFor('key-a')
    expect(set.freshness).toBe('stale')
    expect(kidsOf(set)).toEqual(['key-a'])
    expect(named('jwks_fetch').at(-1)).toMatchObject({ outcome: 'failed', reason: 'no usable keys', status: 200 })
  })

  it('keeps fresh keys fresh, without a stale warning, when a refetch for an unknown kid fails', async () => {
    const server = await serve({ keys: ONE })
    const { cache, advanceSeconds, named } = harness(server.url)
    await cache.keysFor('key-a')
    server.setMode({ kind: 'status', status: 500 })
    advanceSeconds(30)
    const set = await cache.keysFor('key-b')
    expect(set.freshness).toBe('fresh')
    expect(kidsOf(set)).toEqual(['key-a'])
    expect(server.requests).toBe(2)
    expect(named('jwks_stale')).toEqual([])
  })
})

describe('JwksCache with imperfect key sets', () => {
  const badKeys = [
    { kty: 'oct', kid: 'sym', k: 'c2VjcmV0' },
    { ...B.publicJwk, kid: 'enc', use: 'enc' },
    { kty: 'RSA', kid: 'no-n', e: 'AQAB' },
    { kty: 'XYZ', kid: 'odd' },
  ]

  it('serves the usable keys, skips the others, and logs each skipped key once across refreshes', async () => {
    const server = await serve({ keys: { keys: [A.publicJwk, ...badKeys, R.publicJwk] } })
    const { cache, advanceSeconds, named } = harness(server.url)
    expect(kidsOf(await cache.keysFor('key-a'))).toEqual(['key-a', 'key-rsa'])
    expect(named('jwks_key_skipped').map((line) => [line.index, line.reason])).toEqual([
      [1, 'symmetric key in a key set'],
      [2, 'use is not sig'],
      [3, 'invalid key parameters'],
      [4, 'unsupported kty'],
    ])
    advanceSeconds(300)
    await cache.keysFor('key-a')
    advanceSeconds(300)
    await cache.keysFor('key-a')
    expect(server.requests).toBe(3)
    expect(named('jwks_key_skipped')).toHaveLength(4)
    expect(named('jwks_fetch').map((line) => line.skipped)).toEqual([4, 4, 4])
  })

  it('logs skipped keys again when the set of skipped keys changes', async () => {
    const server = await serve({ keys: { keys: [A.publicJwk, badKeys[0] ?? {}] } })
    const { cache, advanceSeconds, named } = harness(server.url)
    await cache.keysFor('key-a')
    server.setKeys({ keys: [A.publicJwk, badKeys[1] ?? {}] })
    advanceSeconds(300)
    await cache.keysFor('key-a')
    expect(named('jwks_key_skipped').map((line) => line.reason)).toEqual(['symmetric key in a key set', 'use is not sig'])
  })

  it('skips both keys that share a kid and keeps serving the rest', async () => {
    const clash = { ...B.publicJwk, kid: 'key-a' }
    const server = await serve({ keys: { keys: [A.publicJwk, clash, R.publicJwk] } })
    const { cache, named } = harness(server.url)
    expect(kidsOf(await cache.keysFor('key-rsa'))).toEqual(['key-rsa'])
    expect(named('jwks_key_skipped').map((line) => line.reason)).toEqual(['duplicate kid', 'duplicate kid'])
  })

  it('itemises at most a bounded number of skipped keys from a huge broken set', async () => {
    const junk = Array.from({ length: 500 }, (_, i) => ({ kty: 'XYZ', kid: `junk-${i}` }))
    const server = await serve({ keys: { keys: [A.publicJwk, ...junk] } })
    const { cache, named } = harness(server.url)
    await cache.keysFor('key-a')
    const skipped = named('jwks_key_skipped')
    expect(skipped).toHaveLength(MAX_SKIP_LINES + 1)
    expect(skipped.at(-1)).toMatchObject({ more: 500 - MAX_SKIP_LINES })
  })
})

describe('JwksCache logs', () => {
  it('logs one line per fetch with outcome, status, key count, lifetime and duration', async () => {
    const server = await serve({ keys: BOTH, headers: { 'Cache-Control': 'max-age=120' } })
    const { cache, named } = harness(server.url)
    await cache.keysFor('key-a')
    expect(named('jwks_fetch')).toEqual([
      { level: 'info', message: 'jwks_fetch', url: server.url, outcome: 'ok', status: 200, keys: 2, skipped: 0, max_age_seconds: 120, duration_ms: 0 },
    ])
  })

  it('logs one line per failed fetch with the reason, status and retry delay', async () => {
    const server = await serve({ mode: { kind: 'status', status: 502 } })
    const { cache, named } = harness(server.url)
    await unavailable(cache.keysFor('key-a'))
    expect(named('jwks_fetch')).toEqual([
      expect.objectContaining({ level: 'warn', outcome: 'failed', status: 502, reason: 'unexpected status', retry_in_seconds: 2 }),
    ])
  })

  it('logs the URL without its query string, and no key material', async () => {
    const server = await serve({ keys: { keys: [A.publicJwk, R.publicJwk, { ...B.publicJwk, use: 'enc' }] } })
    const { cache, lines } = harness(`${server.url}?api_key=hunter2`)
    await cache.keysFor('key-a')
    const text = JSON.stringify(lines)
    expect(text).toContain(server.url)
    expect(text).not.toContain('hunter2')
    for (const jwk of [A.publicJwk, R.publicJwk, B.publicJwk]) {
      for (const member of [jwk.n, jwk.x, jwk.y]) if (member !== undefined) expect(text).not.toContain(member)
    }
  })
})

describe('JwksCache synchronous fast path', () => {
  it('hands out fresh keys for a known kid or a kid-less token without a promise, and nothing otherwise', async () => {
    const server = await serve({ keys: ONE, headers: { 'cache-control': 'max-age=60' } })
    const { cache, advanceSeconds } = harness(server.url)
    expect(cache.freshKeys('key-a')).toBeUndefined()
    await cache.keysFor('key-a')
    expect(cache.freshKeys('key-a')?.map((key) => key.kid)).toEqual(['key-a'])
    expect(cache.freshKeys(undefined)?.map((key) => key.kid)).toEqual(['key-a'])
    // An unknown kid or expired keys go through keysFor, which owns the cooldown, refresh and stale rules.
    expect(cache.freshKeys('key-unknown')).toBeUndefined()
    advanceSeconds(60)
    expect(cache.freshKeys('key-a')).toBeUndefined()
    expect(server.requests).toBe(1)
  })
})
