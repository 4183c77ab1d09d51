// The authorizer with a remote JWKS URL, end to end in-process: real JWKS server, jose-signed tokens, counted fetches.
import { generateKeyPairSync } from 'node:crypto'
import { exportJWK, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import type { Settings } from '../../lib/config-env.js'
import { generateJwk, startJwksServer, trapServer, type JwksServer, type JwksServerOptions } from '../support/jwks-server.js'
import { capturedLogger, restTokenEvent, signed } from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'

const track = closedAfterEach()
const serve = async (options: JwksServerOptions = {}): Promise<JwksServer> => track(await startJwksServer(options))

const START_MS = 1_700_000_000_000
const START_SECONDS = START_MS / 1000

/** An authorizer on one JWKS URL with an injected clock and a capturing logger; settings are one constant object. */
function setup(jwkUrl: string, extra: Settings = {}) {
  const clock = { ms: START_MS }
  const log = capturedLogger(() => clock.ms)
  const settings: Settings = Object.freeze({ AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', ...extra })
  const handler = createAuthorizer({ jwt: { jwkUrl }, settings: () => settings, now: () => clock.ms, logger: log.logger })
  const invoke = (token: string) => handler(restTokenEvent(`Bearer ${token}`))
  return { invoke, log, advanceSeconds: (seconds: number) => (clock.ms += seconds * 1000) }
}

async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (result) => `allow:${(result as { principalId: string }).principalId}`,
    (error: unknown) => (error instanceof Error ? error.message : 'non-error'),
  )
}

function token(alg: string, key: CryptoKey | Parameters<typeof signed>[1], header: Partial<JWTHeaderParameters>, sub = 'user-1'): Promise<string> {
  return signed(alg, key, { sub, iat: START_SECONDS, exp: START_SECONDS + 86_400 * 3 }, header)
}

const RSA = await generateJwk('RS256', 'rsa-1')
const EC = await generateJwk('ES256', 'ec-1')
const NEXT = await generateJwk('ES256', 'ec-2')
const PROVIDER = { keys: [RSA.publicJwk, EC.publicJwk] }

describe('authorizer with CUBEJS_JWK_URL: reuse', () => {
  it.each([
    ['RS256', RSA, 'rsa-1'],
    ['ES256', EC, 'ec-1'],
  ] as const)('allows a %s token and reports fresh keys in the decision log', async (alg, pair, kid) => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, log } = setup(server.url)
    expect(await outcomeOf(invoke(await token(alg, pair.privateKey, { kid })))).toBe('allow:user-1')
    expect(log.named('decision')).toEqual([expect.objectContaining({ outcome: 'allow', alg, kid, keys: 'fresh' })])
  })

  it('fetches once for 100 warm invocations', async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, advanceSeconds } = setup(server.url)
    const jwt = await token('ES256', EC.privateKey, { kid: 'ec-1' })
    for (let i = 0; i < 100; i += 1) {
      expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
      advanceSeconds(2)
    }
    expect(server.requests).toBe(1)
  })

  it('fetches once for 20 concurrent cold invocations', async () => {
    const server = await serve({ keys: PROVIDER, mode: { kind: 'delay', ms: 50 } })
    const { invoke } = setup(server.url)
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => token('RS256', RSA.privateKey, { kid: 'rsa-1' }, `user-${i}`)))
    const outcomes = await Promise.all(tokens.map((jwt) => outcomeOf(invoke(jwt))))
    expect(outcomes).toEqual(tokens.map((_, i) => `allow:user-${i}`))
    expect(server.requests).toBe(1)
  })
})

describe('authorizer with CUBEJS_JWK_URL: rotation and kid floods', () => {
  it('accepts a key the provider publishes later, once the cooldown since the last fetch has passed', async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, advanceSeconds } = setup(server.url)
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, { kid: 'ec-1' })))).toBe('allow:user-1')
    server.setKeys({ keys: [...PROVIDER.keys, NEXT.publicJwk] })
    const rotated = await token('ES256', NEXT.privateKey, { kid: 'ec-2' })
    advanceSeconds(10)
    expect(await outcomeOf(invoke(rotated))).toBe('Unauthorized')
    expect(server.requests).toBe(1)
    advanceSeconds(20)
    expect(await outcomeOf(invoke(rotated))).toBe('allow:user-1')
    expect(server.requests).toBe(2)
  })

  it('lets 200 tokens with random kids cause at most one extra fetch per cooldown window, and one more after it', async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, advanceSeconds, log } = setup(server.url)
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, { kid: 'ec-1' })))).toBe('allow:user-1')
    const flood = async () => {
      const tokens = await Promise.all(Array.from({ length: 200 }, () => token('ES256', EC.privateKey, { kid: crypto.randomUUID() })))
      const outcomes = await Promise.all(tokens.map((jwt) => outcomeOf(invoke(jwt))))
      expect(new Set(outcomes)).toEqual(new Set(['Unauthorized']))
    }
    advanceSeconds(29)
    await flood()
    expect(server.requests).toBe(1)
    advanceSeconds(1)
    await flood()
    expect(server.requests).toBe(2)
    advanceSeconds(15)
    await flood()
    expect(server.requests).toBe(2)
    advanceSeconds(15)
    await flood()
    expect(server.requests).toBe(3)
    expect(log.named('decision').filter((entry) => entry.reason === 'key_not_found')).toHaveLength(800)
  })

  it('refuses a token without kid (key_not_found), even when exactly one key suits its algorithm, without refetching', async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, log } = setup(server.url)
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, {})))).toBe('Unauthorized')
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, {})))).toBe('Unauthorized')
    expect(log.named('decision').map((entry) => entry.reason)).toEqual(['key_not_found', 'key_not_found'])
    expect(server.requests).toBe(1)
  })

  it('verifies a token only with the key of its kid, never with a key published without kid', async () => {
    const { kid: _kid, ...withoutKid } = EC.publicJwk
    const server = await serve({ keys: { keys: [RSA.publicJwk, withoutKid] } })
    const { invoke, log } = setup(server.url)
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, { kid: 'ec-1' })))).toBe('Unauthorized')
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, {})))).toBe('Unauthorized')
    expect(log.named('decision').map((entry) => entry.reason)).toEqual(['key_not_found', 'key_not_found'])
  })

  it("rejects a token whose alg differs from its JWK's alg, even when the key could verify it", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'rsa-rs256', alg: 'RS256' }
    const server = await serve({ keys: { keys: [jwk] } })
    const { invoke, log } = setup(server.url)
    expect(await outcomeOf(invoke(await token('PS256', privateKey, { kid: 'rsa-rs256' })))).toBe('Unauthorized')
    expect(await outcomeOf(invoke(await token('RS256', privateKey, { kid: 'rsa-rs256' })))).toBe('allow:user-1')
    expect(log.named('decision').map((entry) => entry.reason)).toEqual(['key_not_found', 'ok'])
  })
})

describe('authorizer with CUBEJS_JWK_URL: outages', () => {
  it('answers a cold invocation against a hung key server with jwks_unavailable within the fetch timeout', { timeout: 5000 }, async () => {
    const server = await serve({ mode: { kind: 'hang' } })
    const { invoke, log } = setup(server.url, { AUTHORIZER_JWKS_TIMEOUT_MS: '200' })
    const jwt = await token('ES256', EC.privateKey, { kid: 'ec-1' })
    const started = Date.now()
    expect(await outcomeOf(invoke(jwt))).toBe('Authorizer error: jwks_unavailable')
    expect(Date.now() - started).toBeLessThan(200 + 1500)
    expect(log.named('decision')).toEqual([expect.objectContaining({ outcome: 'error', reason: 'jwks_unavailable' })])
    expect(log.named('jwks_fetch')).toEqual([expect.objectContaining({ outcome: 'failed', reason: 'timeout' })])
  })

  it('tries again on the next invocation after a cold failure and allows once the provider answers', async () => {
    const server = await serve({ keys: PROVIDER, mode: { kind: 'status', status: 500 } })
    const { invoke } = setup(server.url)
    const jwt = await token('ES256', EC.privateKey, { kid: 'ec-1' })
    expect(await outcomeOf(invoke(jwt))).toBe('Authorizer error: jwks_unavailable')
    server.setMode({ kind: 'ok' })
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    expect(server.requests).toBe(2)
  })

  it('serves stale keys through an outage, says so in the decision log, and is fresh again after recovery', { timeout: 5000 }, async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, log, advanceSeconds } = setup(server.url, { AUTHORIZER_JWKS_TIMEOUT_MS: '200' })
    const jwt = await token('RS256', RSA.privateKey, { kid: 'rsa-1' })
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    server.setMode({ kind: 'hang' })
    advanceSeconds(300)
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    server.setMode({ kind: 'status', status: 503 })
    advanceSeconds(3600)
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    expect(log.named('jwks_stale')).toHaveLength(2)
    server.setMode({ kind: 'ok' })
    advanceSeconds(3600)
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    expect(log.named('decision').map((entry) => entry.keys)).toEqual(['fresh', 'stale', 'stale', 'fresh'])
    expect(server.requests).toBe(4)
  })

  it('fails with jwks_unavailable once the keys are stale beyond AUTHORIZER_JWKS_STALE_SECONDS, never with a cached Deny', async () => {
    const server = await serve({ keys: PROVIDER })
    const { invoke, advanceSeconds } = setup(server.url, { AUTHORIZER_JWKS_STALE_SECONDS: '600' })
    const jwt = await token('ES256', EC.privateKey, { kid: 'ec-1' })
    await invoke(jwt)
    server.setMode({ kind: 'status', status: 500 })
    advanceSeconds(300 + 599)
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
    advanceSeconds(1)
    expect(await outcomeOf(invoke(jwt))).toBe('Authorizer error: jwks_unavailable')
    server.setMode({ kind: 'ok' })
    expect(await outcomeOf(invoke(jwt))).toBe('allow:user-1')
  })
})

describe('authorizer with CUBEJS_JWK_URL: security', () => {
  it('never fetches a jku or x5u named in the token header, whether or not its kid is known', async () => {
    const trap = track(await trapServer())
    const server = await serve({ keys: PROVIDER })
    const { invoke, advanceSeconds } = setup(server.url)
    const attacker = await generateJwk('ES256', 'attacker')
    const header = { jku: `${trap.origin}/jwks.json`, x5u: `${trap.origin}/cert.pem` }
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, { ...header, kid: 'ec-1' })))).toBe('allow:user-1')
    advanceSeconds(30)
    expect(await outcomeOf(invoke(await token('ES256', attacker.privateKey, { ...header, kid: 'attacker' })))).toBe('Unauthorized')
    expect(await outcomeOf(invoke(await token('ES256', attacker.privateKey, { jwk: attacker.publicJwk, kid: 'attacker' })))).toBe('Unauthorized')
    expect(trap.requests).toBe(0)
    expect(server.requests).toBe(2)
  })

  it('refuses a plain-http JWKS URL on a non-loopback host without fetching anything', async () => {
    const { invoke } = setup('http://jwks.example.com/.well-known/jwks.json')
    expect(await outcomeOf(invoke(await token('ES256', EC.privateKey, { kid: 'ec-1' })))).toBe('Authorizer error: config_invalid')
  })

  it('writes no key material and no token to any log line, through success, rotation, floods and outages', { timeout: 5000 }, async () => {
    const server = await serve({ keys: { keys: [...PROVIDER.keys, { ...NEXT.publicJwk, use: 'enc' }] } })
    const { invoke, log, advanceSeconds } = setup(server.url, { AUTHORIZER_JWKS_TIMEOUT_MS: '200' })
    const tokens = [
      await token('RS256', RSA.privateKey, { kid: 'rsa-1' }),
      await token('ES256', EC.privateKey, { kid: 'ec-1' }),
      await token('ES256', NEXT.privateKey, { kid: 'ec-2' }),
      await token('ES256', EC.privateKey, { kid: 'random' }),
    ]
    for (const jwt of tokens) await outcomeOf(invoke(jwt))
    server.setMode({ kind: 'hang' })
    advanceSeconds(300)
    for (const jwt of tokens) await outcomeOf(invoke(jwt))
    server.setMode({ kind: 'html' })
    advanceSeconds(86_400 + 300)
    for (const jwt of tokens) await outcomeOf(invoke(jwt))
    const text = log.lines.join('')
    expect(log.named('jwks_fetch').length).toBeGreaterThanOrEqual(3)
    expect(log.named('jwks_key_skipped')).toHaveLength(1)
    for (const jwk of [RSA.publicJwk, EC.publicJwk, NEXT.publicJwk]) {
      for (const member of [jwk.n, jwk.x, jwk.y]) if (member !== undefined) expect(text).not.toContain(member)
    }
    for (const jwt of tokens) {
      for (const part of jwt.split('.')) expect(text).not.toContain(part)
    }
  })
})
