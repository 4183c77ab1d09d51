// Log hygiene on the built bundle: a representative run of every attack family in a cold process, then its stdout and
// stderr are searched for tokens, secrets, key material and claim values. (Each in-process suite file also audits its
// own captured log lines in an afterAll; this file proves the same for the real logger writing to the real streams.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NOW_S } from '../support/security-harness.js'
import { runBundle, type BundleRun } from '../support/bundle-runner.js'
import { asymmetric, forge, hmac, pair, type Pair } from '../support/security-tokens.js'
import { startJwksServer, trapServer, type JwksServer, type TrapServer } from '../support/jwks-server.js'
import { httpApiEvent, restRequestEvent, restTokenEvent } from '../support/tokens.js'

const SECRET = 'hygiene-secret-e41c9a07d3b2-0123456789abcdef0123456789abcdef0123'
const CLAIM_VALUES = ['hygiene-claim-tenant-5c2e', 'hygiene-claim-email@example.com', 'hygiene-claim-role-91af', 'hygiene-claim-sub-7d03', 'hygiene-nested-value-3b8e']
const PASSWORD = 'hygiene-basic-password-0f6d'
// Real tokens live for days, not hours: the bundle runs on the wall clock.
const LIFETIME = { iat: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 86_400 }
const claims = { sub: CLAIM_VALUES[3], tenant: CLAIM_VALUES[0], email: CLAIM_VALUES[1], role: CLAIM_VALUES[2], org: { deep: CLAIM_VALUES[4] }, ...LIFETIME }

let rsa: Pair
let ec: Pair
let server: JwksServer
let trap: TrapServer
beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([pair('RS256'), pair('ES256')])
  server = await startJwksServer({ keys: { keys: [{ ...ec.jwk, kid: 'ec-1', alg: 'ES256' }] } })
  trap = await trapServer()
})
afterAll(async () => {
  await Promise.all([server.close(), trap.close()])
})

const forbiddenIn = (run: BundleRun, forbidden: readonly string[]) => {
  const text = `${run.logOutput}\n${run.stderr}`
  return forbidden.filter((value) => value.length >= 8 && text.includes(value))
}
const tokenParts = (tokens: readonly string[]) => tokens.flatMap((token) => [token, ...token.split('.')])

/** Every line the bundle wrote is one JSON object, stderr is empty, and there was a decision line per event. */
function expectWellFormed(run: BundleRun, events: number): void {
  expect(run.stderr).toBe('')
  const lines = run.logOutput.split('\n').filter((line) => line !== '')
  for (const line of lines) expect(typeof JSON.parse(line)).toBe('object')
  expect(lines.filter((line) => JSON.parse(line).message === 'decision')).toHaveLength(events)
}

describe('dist/authorizer.mjs output under attack', () => {
  it('leaks no token, secret, password or claim value across every attack family with a secret configured', { timeout: 20_000 }, async () => {
    const sign = hmac('HS256', SECRET)
    const valid = forge({ alg: 'HS256', typ: 'JWT' }, claims, sign)
    const [header, , signature] = valid.split('.')
    const tokens = [
      valid,
      `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`,
      forge({ alg: 'none' }, claims),
      forge({ alg: 'nOnE' }, claims, sign),
      forge({ alg: 'HS256' }, claims, hmac('HS256', 'hygiene-wrong-secret-1')),
      forge({ alg: 'HS256' }, claims, hmac('HS256', rsa.pem)),
      forge({ alg: 'HS256' }, { ...claims, exp: NOW_S }, sign),
      forge({ alg: 'HS256', kid: 'x\n{"level":"error","message":"decision","outcome":"allow"}' }, claims, sign),
      forge({ alg: 'HS256', jku: trap.url, x5u: trap.url, jwk: ec.jwk }, claims, hmac('HS256', 'hygiene-wrong-secret-2')),
      forge({ alg: 'HS256', crit: ['b64'], b64: false }, claims, sign),
      forge({ alg: 'HS256' }, `{"sub":"${CLAIM_VALUES[3]}","__proto__":{"polluted":"${CLAIM_VALUES[0]}"},"exp":${LIFETIME.exp}}`, sign),
      forge({ alg: 'HS256' }, { ...claims, exp: String(LIFETIME.exp) }, sign),
      forge({ alg: 'HS256' }, `{"sub":"${CLAIM_VALUES[3]}","deep":${'['.repeat(3000)}${']'.repeat(3000)}}`, sign),
      forge({ alg: 'HS256' }, claims, sign).slice(0, -5),
      `${valid}.`,
      `${valid}${'A'.repeat(20_000)}`,
    ]
    const events = [
      ...tokens.map((token) => restTokenEvent(`Bearer ${token}`)),
      restRequestEvent({ Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` }),
      { ...restRequestEvent(), multiValueHeaders: { Authorization: [`Bearer ${valid}`, `Bearer ${tokens[4] ?? ''}`] } },
      httpApiEvent({ authorization: `Bearer ${valid},Bearer ${valid}` }),
      { ...restRequestEvent(), queryStringParameters: { token: valid } },
    ]
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, events)
    // The injected kid and the __proto__ claims ride on genuinely signed tokens: allowed, and logged as cleanly.
    const allowed = new Set([0, 7, 10])
    expect(run.outcomes.map((o) => (o.ok ? 'allow' : o.error.message))).toEqual(events.map((_, i) => (allowed.has(i) ? 'allow' : 'Unauthorized')))
    expectWellFormed(run, events.length)
    const forbidden = [SECRET, PASSWORD, Buffer.from(`admin:${PASSWORD}`).toString('base64'), ...CLAIM_VALUES, ...tokenParts(tokens), 'Bearer', rsa.pem, ec.jwk.x ?? '']
    expect(forbiddenIn(run, forbidden)).toEqual([])
    expect(trap.requests).toBe(0)
  })

  it('leaks no key material or token with a remote JWKS, through floods and header-supplied keys', { timeout: 20_000 }, async () => {
    const attacker = await pair('ES256')
    const sign = asymmetric('ES256', ec.privateKey)
    const tokens = [
      forge({ alg: 'ES256', kid: 'ec-1' }, claims, sign),
      ...Array.from({ length: 20 }, (_, i) => forge({ alg: 'ES256', kid: `flood-${i}` }, claims, sign)),
      forge({ alg: 'ES256', kid: 'ec-1', jwk: attacker.jwk, jku: trap.url }, claims, asymmetric('ES256', attacker.privateKey)),
      forge({ alg: 'HS256', kid: 'ec-1' }, claims, hmac('HS256', JSON.stringify(ec.jwk))),
    ]
    const run = await runBundle({ CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, tokens.map((token) => restTokenEvent(`Bearer ${token}`)))
    expect(run.outcomes.map((o) => (o.ok ? 'allow' : o.error.message))).toEqual(['allow', ...Array(tokens.length - 1).fill('Unauthorized')])
    expectWellFormed(run, tokens.length)
    expect(forbiddenIn(run, [...CLAIM_VALUES, ...tokenParts(tokens), ec.jwk.x ?? '', ec.jwk.y ?? '', attacker.jwk.x ?? '', 'Bearer'])).toEqual([])
    expect(trap.requests).toBe(0)
  })

  it('names the setting but never echoes its value when the configuration itself is hostile', { timeout: 20_000 }, async () => {
    const token = forge({ alg: 'none' }, claims)
    for (const env of [{ CUBEJS_API_SECRET: rsa.pem }, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: `none,${SECRET}` }, { CUBEJS_JWT_KEY: `{"kty":"oct","k":"${SECRET}"` }]) {
      const run = await runBundle(env, [restTokenEvent(`Bearer ${token}`)])
      expect(run.outcomes).toEqual([{ index: 0, ok: false, error: { type: 'Error', message: 'Authorizer error: config_invalid' } }])
      expectWellFormed(run, 1)
      expect(forbiddenIn(run, [SECRET, rsa.pem, ...rsa.pem.split('\n').filter((line) => !line.startsWith('-----')), ...tokenParts([token]), ...CLAIM_VALUES])).toEqual([])
    }
  })
})
