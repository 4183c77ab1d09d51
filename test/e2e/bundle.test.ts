// The built bundle dist/authorizer.mjs, each scenario in a fresh Node process (a cold start) with its own environment.
import { exportSPKI, generateKeyPair } from 'jose'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { runBundle, type BundleRun } from '../support/bundle-runner.js'
import { generateJwk, startJwksServer } from '../support/jwks-server.js'
import {
  hs256,
  HTTP_STAGE_RESOURCE,
  httpApiEvent,
  REST_STAGE_RESOURCE,
  restRequestEvent,
  restTokenEvent,
  signed,
  WEBSOCKET_STAGE_RESOURCE,
  websocketConnectEvent,
  withBadSignature,
  withPayload,
} from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'

const SECRET = 'e2e-secret-4b9f27c1d8a3-0123456789abcdef0123456789abcdef01234567'

const results = (run: BundleRun) => run.outcomes.map((outcome) => (outcome.ok ? outcome.result : outcome.error))
const decisions = (run: BundleRun) => run.logs.filter((entry) => entry.message === 'decision')
const unauthorized = { type: 'Error', message: 'Unauthorized' }
const iam = (principalId: string, effect: 'Allow' | 'Deny', resource: string, context?: Record<string, unknown>) => ({
  principalId,
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...(context === undefined ? {} : { context }),
})

/** Neither the child's stdout nor its stderr may carry a token, any of its segments, or a secret. */
function expectNoLeak(run: BundleRun, tokens: readonly string[], secrets: readonly string[]): void {
  const forbidden = [...secrets, ...tokens, ...tokens.flatMap((token) => token.split('.').slice(1).filter((part) => part.length > 8))]
  for (const value of forbidden) expect(run.output).not.toContain(value)
}

describe('dist/authorizer.mjs with CUBEJS_API_SECRET', () => {
  it('allows tokens minted by jsonwebtoken exactly as Cube docs show, with the right security context', async () => {
    const user = { id: 42, role: 'admin', tenant: 'acme' }
    const cubeToken = jwt.sign({}, SECRET, { expiresIn: '30d' })
    const userToken = jwt.sign(user, SECRET, { expiresIn: '1d' })
    const cube = jwt.decode(cubeToken) as { iat: number; exp: number }
    const issued = jwt.decode(userToken) as { iat: number; exp: number }
    expect([cube.exp - cube.iat, issued.exp - issued.iat]).toStrictEqual([30 * 86_400, 86_400])
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [restTokenEvent(`Bearer ${cubeToken}`), restRequestEvent({ Authorization: userToken })])
    const userContext = { ...user, iat: issued.iat, exp: issued.exp }
    expect(results(run)).toStrictEqual([
      iam('cube-user', 'Allow', REST_STAGE_RESOURCE, { securityContext: JSON.stringify({ iat: cube.iat, exp: cube.exp }), iat: cube.iat, exp: cube.exp }),
      iam('cube-user', 'Allow', REST_STAGE_RESOURCE, { securityContext: JSON.stringify(userContext), ...userContext }),
    ])
    expect(decisions(run).map((entry) => [entry.outcome, entry.reason, entry.alg])).toStrictEqual([
      ['allow', 'ok', 'HS256'],
      ['allow', 'ok', 'HS256'],
    ])
    expectNoLeak(run, [cubeToken, userToken], [SECRET])
  })

  it('answers every sample event type with the stage-wide IAM policy for tokens minted by jose', async () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: 'user-7', tenant: 'acme', iat: now, exp: now + 600 }
    const token = await hs256(SECRET, claims)
    const context = { securityContext: JSON.stringify(claims), ...claims }
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [
      restTokenEvent(`Bearer ${token}`),
      restRequestEvent({ 'X-Cube-Authorization': token, Authorization: `Bearer ${token}` }),
      websocketConnectEvent({ Authorization: `bearer ${token}` }),
      httpApiEvent({ Authorization: `Bearer ${token}` }),
    ])
    expect(results(run)).toStrictEqual([
      iam('user-7', 'Allow', REST_STAGE_RESOURCE, context),
      iam('user-7', 'Allow', REST_STAGE_RESOURCE, context),
      iam('user-7', 'Allow', WEBSOCKET_STAGE_RESOURCE, context),
      iam('user-7', 'Allow', HTTP_STAGE_RESOURCE, context),
    ])
    expect(decisions(run).map((entry) => entry.event)).toStrictEqual(['rest_token', 'rest_request', 'websocket_request', 'http_request'])
    expectNoLeak(run, [token], [SECRET])
  })

  it('answers 401 (credentials_ambiguous) when X-Cube-Authorization and Authorization carry different credentials', async () => {
    const token = await hs256(SECRET, { sub: 'user-7', tenant: 'acme' })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [
      restRequestEvent({ 'X-Cube-Authorization': token, Authorization: 'Bearer not-the-token' }),
      httpApiEvent({ 'x-cube-authorization': `Bearer ${token}`, authorization: 'Basic dXNlcjpwYXNz' }),
      websocketConnectEvent({ 'X-Cube-Authorization': token, Authorization: 'Bearer undefined' }),
    ])
    expect(results(run)).toStrictEqual([unauthorized, unauthorized, unauthorized])
    expect(decisions(run).map((entry) => entry.reason)).toStrictEqual(['credentials_ambiguous', 'credentials_ambiguous', 'credentials_ambiguous'])
    expectNoLeak(run, [token, 'not-the-token', 'dXNlcjpwYXNz'], [SECRET])
  })

  it('answers HTTP API events in simple format when AUTHORIZER_RESPONSE_FORMAT=simple', async () => {
    const token = await hs256(SECRET, { sub: 'user-7', tenant: 'acme' })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_RESPONSE_FORMAT: 'simple' }, [
      httpApiEvent({ authorization: `Bearer ${token}` }),
      httpApiEvent({ authorization: `Bearer ${withBadSignature(token)}` }),
      httpApiEvent(),
    ])
    expect(results(run)).toStrictEqual([
      { isAuthorized: true, context: { securityContext: '{"sub":"user-7","tenant":"acme"}', sub: 'user-7', tenant: 'acme' } },
      unauthorized,
      unauthorized,
    ])
    expectNoLeak(run, [token], [SECRET])
  })

  it('rejects tampered, foreign, expired and missing tokens with exactly Unauthorized', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = jwt.sign({ role: 'viewer' }, SECRET, { expiresIn: '1d' })
    const tampered = withPayload(token, { role: 'admin', iat: now, exp: now + 86_400 })
    const foreign = jwt.sign({ role: 'admin' }, 'not-the-secret-8e1f-0123456789abcdef0123456789abcdef0123456789ab', { expiresIn: '1d' })
    const expired = jwt.sign({ role: 'admin', exp: now - 1 }, SECRET)
    const badSignature = withBadSignature(token)
    const tokens = [tampered, foreign, expired, badSignature]
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [...tokens.map((t) => restTokenEvent(`Bearer ${t}`)), restTokenEvent(), restRequestEvent()])
    expect(results(run)).toStrictEqual([unauthorized, unauthorized, unauthorized, unauthorized, unauthorized, unauthorized])
    expect(decisions(run).map((entry) => entry.reason)).toStrictEqual([
      'signature_invalid',
      'signature_invalid',
      'token_expired',
      'signature_invalid',
      'token_missing',
      'token_missing',
    ])
    expectNoLeak(run, [token, ...tokens], [SECRET, 'not-the-secret-8e1f-0123456789abcdef0123456789abcdef0123456789ab'])
  })

  it('answers an event of unknown shape with an error that is not Unauthorized', async () => {
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [{ hello: 'world' }, { type: 'TOKEN', authorizationToken: 'x' }])
    expect(results(run)).toStrictEqual([
      { type: 'Error', message: 'Authorizer error: event_unknown' },
      { type: 'Error', message: 'Authorizer error: event_unknown' },
    ])
  })

  it('turns a cold start in dev mode into anonymous access for token-less requests only', async () => {
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: 'true' }, [
      restTokenEvent(),
      restTokenEvent(),
      restTokenEvent('Bearer not.a.jwt'),
    ])
    expect(results(run)).toStrictEqual([
      iam('anonymous', 'Allow', REST_STAGE_RESOURCE, { securityContext: '{}' }),
      iam('anonymous', 'Allow', REST_STAGE_RESOURCE, { securityContext: '{}' }),
      unauthorized,
    ])
    expect(run.logs.filter((entry) => entry.message === 'dev_mode').map((entry) => entry.level)).toStrictEqual(['warn'])
  })
})

describe('dist/authorizer.mjs configuration errors', () => {
  it('fails every request with config_invalid and logs the setting when CUBEJS_JWT_ALGS is set but empty', async () => {
    const token = await hs256(SECRET, { sub: 'u' })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: '' }, [restTokenEvent(token), restTokenEvent()])
    expect(results(run)).toStrictEqual([
      { type: 'Error', message: 'Authorizer error: config_invalid' },
      { type: 'Error', message: 'Authorizer error: config_invalid' },
    ])
    expect(decisions(run).map((entry) => [entry.level, entry.outcome, entry.setting])).toStrictEqual([
      ['error', 'error', 'CUBEJS_JWT_ALGS'],
      ['error', 'error', 'CUBEJS_JWT_ALGS'],
    ])
    expectNoLeak(run, [token], [SECRET])
  })

  it('fails with config_invalid when no key is configured at all', async () => {
    const run = await runBundle({}, [restTokenEvent(await hs256(SECRET, {}))])
    expect(results(run)).toStrictEqual([{ type: 'Error', message: 'Authorizer error: config_invalid' }])
    expect(decisions(run)[0]?.setting).toBe('CUBEJS_API_SECRET')
  })
})

describe('dist/authorizer.mjs with CUBEJS_JWT_KEY as PEM', () => {
  it('verifies RS256 tokens with the PEM public key and refuses the PEM text used as an HMAC secret', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256')
    const pem = await exportSPKI(publicKey)
    const good = await signed('RS256', privateKey, { sub: 'svc', scope: 'read' })
    const confused = await hs256(pem, { sub: 'svc', scope: 'admin' })
    const run = await runBundle({ CUBEJS_JWT_KEY: pem }, [restTokenEvent(`Bearer ${good}`), restTokenEvent(`Bearer ${confused}`)])
    expect(results(run)).toStrictEqual([
      iam('svc', 'Allow', REST_STAGE_RESOURCE, { securityContext: '{"sub":"svc","scope":"read"}', sub: 'svc', scope: 'read' }),
      unauthorized,
    ])
    expect(decisions(run).map((entry) => [entry.reason, entry.alg])).toStrictEqual([
      ['ok', 'RS256'],
      ['alg_not_allowed', 'HS256'],
    ])
    expectNoLeak(run, [good, confused], [])
  })
})

describe('dist/authorizer.mjs with CUBEJS_JWK_URL', () => {
  const track = closedAfterEach()

  it('fetches the JWKS once for many invocations of one warm container', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', 'kid-e2e')
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
    const tokens = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((sub) => signed('RS256', privateKey, { sub }, { kid: 'kid-e2e' })))
    const run = await runBundle({ CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, tokens.map((token) => restTokenEvent(`Bearer ${token}`)))
    expect(results(run)).toStrictEqual(['a', 'b', 'c', 'd', 'e'].map((sub) => iam(sub, 'Allow', REST_STAGE_RESOURCE, { securityContext: `{"sub":"${sub}"}`, sub })))
    expect(server.requests).toBe(1)
    expectNoLeak(run, tokens, [])
  })

  it('shares one fetch between concurrent first invocations of a cold container', async () => {
    const { privateKey, publicJwk } = await generateJwk('ES256', 'kid-e2e')
    // The delay keeps the first fetch in flight while every invocation asks for keys.
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] }, mode: { kind: 'delay', ms: 300 } }))
    const tokens = await Promise.all(['a', 'b', 'c', 'd'].map((sub) => signed('ES256', privateKey, { sub }, { kid: 'kid-e2e' })))
    const events = tokens.map((token) => httpApiEvent({ authorization: `Bearer ${token}` }))
    const run = await runBundle({ CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, events, { concurrent: true })
    expect(results(run)).toStrictEqual(['a', 'b', 'c', 'd'].map((sub) => iam(sub, 'Allow', HTTP_STAGE_RESOURCE, { securityContext: `{"sub":"${sub}"}`, sub })))
    expect(server.requests).toBe(1)
    expect(run.logs.filter((entry) => entry.message === 'jwks_fetch').map((entry) => entry.outcome)).toStrictEqual(['ok'])
  })

  it('fails closed with jwks_unavailable, never Allow, when the key server is down', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', 'kid-e2e')
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] }, mode: { kind: 'status', status: 503 } }))
    const token = await signed('RS256', privateKey, { sub: 'a' }, { kid: 'kid-e2e' })
    const run = await runBundle({ CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, [restTokenEvent(`Bearer ${token}`)])
    expect(results(run)).toStrictEqual([{ type: 'Error', message: 'Authorizer error: jwks_unavailable' }])
    expectNoLeak(run, [token], [])
  })
})

describe('dist/authorizer.mjs on the Node the suite runs on', () => {
  // .ci/run runs the suite a second time on Node 24 from the npm registry (Lambda's nodejs24.x) with
  // AUTHORIZER_EXPECT_NODE_MAJOR=24; without it, the bundle must run on the Node that runs the tests.
  const expectedMajor = process.env.AUTHORIZER_EXPECT_NODE_MAJOR ?? process.versions.node.split('.')[0]

  it(`allows a valid token on Node ${String(expectedMajor)}, in the child and in the test process alike`, async () => {
    const token = await hs256(SECRET, { sub: 'node-check' })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET }, [restTokenEvent(`Bearer ${token}`)])
    expect(run.nodeVersion).toMatch(/^v\d+\.\d+\.\d+$/)
    expect(run.nodeVersion.slice(1).split('.')[0]).toBe(expectedMajor)
    expect(process.versions.node.split('.')[0]).toBe(expectedMajor)
    expect(results(run)).toStrictEqual([iam('node-check', 'Allow', REST_STAGE_RESOURCE, { securityContext: '{"sub":"node-check"}', sub: 'node-check' })])
  })
})
