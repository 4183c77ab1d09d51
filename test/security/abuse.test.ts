// Attack family: abuse (random-kid floods, huge and slow JWKS responses, many concurrent invocations, oversized events).
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Settings } from '../../lib/config-env.js'
import { expectAllow, expectAuthorizerError, expectUnauthorized, harness, LogAudit, NOW_S, OTHER_SECRET, SECRET, summary, type Harness } from '../support/security-harness.js'
import { asymmetric, forge, hmac, pair, type Pair } from '../support/security-tokens.js'
import { startJwksServer, type JwksServer, type JwksServerOptions } from '../support/jwks-server.js'
import { restRequestEvent, restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(500))
const servers: JwksServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

let ec: Pair
let rsa: Pair
let stranger: Pair
beforeAll(async () => {
  ;[ec, rsa, stranger] = await Promise.all([pair('ES256'), pair('RS256'), pair('ES256')])
  audit.forbid(ec.jwk.x, ec.jwk.y, rsa.jwk.n)
})

const keys = () => ({ keys: [{ ...ec.jwk, kid: 'ec-1', alg: 'ES256' }, { ...rsa.jwk, kid: 'rsa-1', alg: 'RS256' }] })
async function serve(options: JwksServerOptions = {}): Promise<JwksServer> {
  const server = await startJwksServer({ keys: keys(), ...options })
  servers.push(server)
  return server
}
const claimsFor = (sub: string) => ({ sub, tenant: `${sub}-tenant`, iat: NOW_S - 10, exp: NOW_S + 3600 })
const event = (token: string) => restTokenEvent(`Bearer ${audit.forbidToken(token)}`)
const ecToken = (kid: string, sub = 'abuse-suite-user') => forge({ alg: 'ES256', kid }, claimsFor(sub), asymmetric('ES256', ec.privateKey))
const randomKid = () => randomBytes(12).toString('base64url')
const remote = (server: JwksServer, extra: Settings = {}) => harness(audit, { CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', ...extra })

describe('random-kid floods', () => {
  it('answers 500 random kids with key_not_found and one fetch, and one more only after the cooldown', async () => {
    const server = await serve()
    const h = remote(server)
    await expectAllow(h, event(ecToken('ec-1')))
    for (let i = 0; i < 500; i++) await expectUnauthorized(h, event(ecToken(randomKid())), 'key_not_found')
    expect(server.requests).toBe(1)
    h.clock.ms += 31_000
    for (let i = 0; i < 500; i++) await expectUnauthorized(h, event(ecToken(randomKid())), 'key_not_found')
    expect(server.requests).toBe(2)
    await expectAllow(h, event(ecToken('ec-1')))
  })

  it('shares one cold fetch among 300 concurrent random kids and still allows the genuine token among them', async () => {
    const server = await serve({ mode: { kind: 'delay', ms: 50 } })
    const h = remote(server)
    const tokens = Array.from({ length: 300 }, (_, i) => (i === 150 ? ecToken('ec-1') : ecToken(randomKid())))
    const outcomes = await Promise.all(tokens.map((t) => h.run(event(t))))
    expect(outcomes.map((o) => summary(o.outcome))).toEqual(tokens.map((_, i) => (i === 150 ? 'allow' : 'Unauthorized')))
    expect(server.requests).toBe(1)
  })

  it('keeps a flood of one random kid per second for ten minutes to at most one fetch per 30 s cooldown', async () => {
    const server = await serve()
    const h = remote(server)
    for (let second = 0; second < 600; second++) {
      await expectUnauthorized(h, event(ecToken(randomKid())), 'key_not_found')
      h.clock.ms += 1000
    }
    expect(server.requests).toBeGreaterThanOrEqual(2)
    expect(server.requests).toBeLessThanOrEqual(1 + 600 / 30)
  })
})

describe('huge and slow JWKS responses', () => {
  it('fails a cold start against a 5 MB JWKS with jwks_unavailable, and recovers when the provider does', async () => {
    const server = await serve({ mode: { kind: 'huge', bytes: 5 * 1024 * 1024 } })
    const h = remote(server)
    await expectAuthorizerError(h, event(ecToken('ec-1')), 'jwks_unavailable')
    server.setMode({ kind: 'ok' })
    await expectAllow(h, event(ecToken('ec-1')))
    expect(server.requests).toBe(2)
  })

  it('serves the one usable key from a JWKS padded with 3000 junk keys, itemising a bounded number of skips', async () => {
    const junk = Array.from({ length: 3000 }, (_, i) => ({ kty: 'RSA', kid: `junk-${i}`, n: 'AQAB', e: 'AQAB' }))
    const server = await serve({ keys: { keys: [...junk, { ...ec.jwk, kid: 'ec-1', alg: 'ES256' }] } })
    const before = audit.lines.length
    const h = remote(server)
    await expectAllow(h, event(ecToken('ec-1')))
    await expectUnauthorized(h, event(ecToken('junk-7')), 'key_not_found')
    const skipped = audit.lines.slice(before).filter((line) => line.includes('"jwks_key_skipped"'))
    expect(skipped.length).toBeGreaterThan(0)
    expect(skipped.length).toBeLessThanOrEqual(11)
  })

  it('answers 20 concurrent cold invocations against a trickling JWKS with jwks_unavailable at the fetch deadline, with one fetch', { timeout: 5000 }, async () => {
    const server = await serve({ mode: { kind: 'trickle', intervalMs: 20, totalMs: 60_000 } })
    const h = remote(server, { AUTHORIZER_JWKS_TIMEOUT_MS: '300' })
    await Promise.all(Array.from({ length: 20 }, () => expectAuthorizerError(h, event(ecToken('ec-1')), 'jwks_unavailable')))
    expect(server.requests).toBe(1)
  })

  it('answers a hung JWKS with jwks_unavailable at the fetch deadline', { timeout: 5000 }, async () => {
    const server = await serve({ mode: { kind: 'hang' } })
    await expectAuthorizerError(remote(server, { AUTHORIZER_JWKS_TIMEOUT_MS: '200' }), event(ecToken('ec-1')), 'jwks_unavailable')
  })
})

describe('many concurrent invocations', () => {
  type Case = { token: string; expected: string; sub?: string }

  function mixed(count: number, make: (kind: number, i: number) => Case): Case[] {
    return Array.from({ length: count }, (_, i) => make(i % 5, i))
  }

  async function expectAllCorrect(h: Harness, cases: Case[]): Promise<void> {
    const outcomes = await Promise.all(cases.map((c) => h.run(event(c.token))))
    const seen = outcomes.map((o, i) => {
      const c = cases[i] as Case
      if (o.outcome.kind === 'thrown') return o.outcome.message === 'Unauthorized' ? `Unauthorized:${String(o.decision?.reason)}` : `${o.outcome.type}:${o.outcome.message}`
      const context = o.outcome.result.context as Record<string, unknown>
      // Each Allow must carry its own token's principal and claims, never another invocation's.
      return o.outcome.result.principalId === c.sub && context.sub === c.sub && context.tenant === `${c.sub}-tenant` ? 'allow' : 'allow:crossed'
    })
    expect(seen).toEqual(cases.map((c) => c.expected))
  }

  it('answers 500 concurrent mixed invocations against a remote JWKS correctly, each with its own context, on one fetch', async () => {
    const server = await serve({ mode: { kind: 'delay', ms: 30 } })
    const h = remote(server)
    const cases = mixed(500, (kind, i) => {
      const sub = `abuse-user-${i}`
      if (kind === 0) return { token: ecToken('ec-1', sub), expected: 'allow', sub }
      if (kind === 1) return { token: forge({ alg: 'RS256', kid: 'rsa-1' }, claimsFor(sub), asymmetric('RS256', rsa.privateKey)), expected: 'allow', sub }
      if (kind === 2) return { token: forge({ alg: 'ES256', kid: 'ec-1' }, { ...claimsFor(sub), exp: NOW_S }, asymmetric('ES256', ec.privateKey)), expected: 'Unauthorized:token_expired' }
      if (kind === 3) return { token: forge({ alg: 'ES256', kid: 'ec-1' }, claimsFor(sub), asymmetric('ES256', stranger.privateKey)), expected: 'Unauthorized:signature_invalid' }
      return { token: forge({ alg: 'none', kid: 'ec-1' }, claimsFor(sub)), expected: 'Unauthorized:alg_not_allowed' }
    })
    await expectAllCorrect(h, cases)
    expect(server.requests).toBe(1)
    expect(h.decisions()).toHaveLength(500)
  })

  it('answers 500 concurrent mixed invocations against rotated secrets correctly, each with its own context', async () => {
    const h = harness(audit, { CUBEJS_API_SECRETS: `${SECRET},abuse-suite-rotated-secret-0123456789abcdef0123456789abcdef0123456789abcdef` })
    const cases = mixed(500, (kind, i) => {
      const sub = `abuse-user-${i}`
      if (kind === 0) return { token: forge({ alg: 'HS256' }, claimsFor(sub), hmac('HS256', SECRET)), expected: 'allow', sub }
      if (kind === 1) return { token: forge({ alg: 'HS512' }, claimsFor(sub), hmac('HS512', 'abuse-suite-rotated-secret-0123456789abcdef0123456789abcdef0123456789abcdef')), expected: 'allow', sub }
      if (kind === 2) return { token: forge({ alg: 'HS256' }, { ...claimsFor(sub), nbf: NOW_S + 60 }, hmac('HS256', SECRET)), expected: 'Unauthorized:token_not_yet_valid' }
      if (kind === 3) return { token: forge({ alg: 'HS256' }, claimsFor(sub), hmac('HS256', OTHER_SECRET)), expected: 'Unauthorized:signature_invalid' }
      return { token: `${forge({ alg: 'HS256' }, claimsFor(sub), hmac('HS256', SECRET))}.`, expected: 'Unauthorized:token_malformed' }
    })
    await expectAllCorrect(h, cases)
  })
})

describe('oversized events', () => {
  it('handles 10 000 unrelated headers and 10 000 copies of the same Authorization value', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET })
    const token = forge({ alg: 'HS256' }, claimsFor('abuse-suite-user'), hmac('HS256', SECRET))
    audit.forbidToken(token)
    const base = restRequestEvent({ Authorization: `Bearer ${token}` })
    const noise = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`x-noise-${i}`, 'n']))
    const multi = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`x-noise-${i}`, ['n']]))
    const event = { ...base, headers: { ...base.headers, ...noise }, multiValueHeaders: { ...base.multiValueHeaders, ...multi, Authorization: Array(10_000).fill(`Bearer ${token}`) } }
    await expectAllow(h, event)
  })

  it('rejects 10 000 different Authorization values as malformed', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET })
    const base = restRequestEvent()
    const event = { ...base, multiValueHeaders: { ...base.multiValueHeaders, Authorization: Array.from({ length: 10_000 }, (_, i) => `Bearer a.b.${i}`) } }
    await expectUnauthorized(h, event, 'token_malformed')
  })
})
