// createAuthorizer end to end in-process: results, 401s, 500s, dev mode, checkAuth, code options and decision logs.
import { exportSPKI, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAuthorizer, type AuthorizerOptions } from '../../lib/authorizer.js'
import type { CheckAuth, CheckAuthArgs } from '../../lib/check-auth.js'
import type { JwtOptions } from '../../lib/settings/config.js'
import type { Settings } from '../../lib/settings/env.js'
import { generateJwk, startJwksServer } from '../support/jwks-server.js'
import {
  capturedLogger,
  hs256,
  HTTP_STAGE_RESOURCE,
  httpApiEvent,
  REST_STAGE_RESOURCE,
  restRequestEvent,
  restTokenEvent,
  signed,
  unsigned,
  WEBSOCKET_STAGE_RESOURCE,
  websocketConnectEvent,
  withBadSignature,
  withPayload,
} from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'
import { PATIENT_JWKS } from '../support/patience.js'

const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0)
const NOW_S = NOW_MS / 1000
const SECRET = 'unit-secret-7d0c2f4e9b1a-0123456789abcdef0123456789abcdef0123456'
const OTHER_SECRET = 'other-secret-5e8a1c3b7f20-0123456789abcdef0123456789abcdef012345'

interface Setup {
  readonly settings?: Settings | (() => Settings)
  readonly jwt?: JwtOptions
  readonly checkAuth?: CheckAuth
}

/** A handler on a controllable clock and a capturing logger; plain settings are handed out as a fresh copy per call. */
function setup({ settings = { CUBEJS_API_SECRET: SECRET }, jwt, checkAuth }: Setup = {}) {
  const clock = { ms: NOW_MS }
  const log = capturedLogger(() => clock.ms)
  const options: AuthorizerOptions = {
    settings: typeof settings === 'function' ? settings : () => ({ ...settings }),
    now: () => clock.ms,
    logger: log.logger,
    ...(jwt === undefined ? {} : { jwt }),
    ...(checkAuth === undefined ? {} : { checkAuth }),
  }
  return { handler: createAuthorizer(options), log, clock }
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ settled: 'resolved' as const, value }),
    (error: unknown) => ({ settled: 'rejected' as const, error }),
  )
  if (outcome.settled === 'resolved') throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`)
  if (!(outcome.error instanceof Error)) throw new Error('rejected with a non-Error')
  return outcome.error
}

/** API Gateway answers 401 only for a plain Error whose message is exactly 'Unauthorized'. */
async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const error = await rejectionOf(promise)
  expect(error.constructor).toBe(Error)
  expect(error.message).toBe('Unauthorized')
}

async function expectAuthorizerError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await rejectionOf(promise)
  expect(error.constructor).toBe(Error)
  expect(error.message).toBe(`Authorizer error: ${code}`)
}

const bearer = (token: string) => `Bearer ${token}`
const iamAllow = (principalId: string, resource: string, context: Record<string, unknown>) => ({
  principalId,
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }] },
  context,
})
const contextOf = (result: unknown) => (result as { context: Record<string, unknown> }).context
const securityContextOf = (result: unknown) => JSON.parse(String(contextOf(result).securityContext)) as unknown
const valid = (claims: Record<string, unknown> = {}) => ({ iat: NOW_S - 60, exp: NOW_S + 3600, ...claims })

describe('createAuthorizer: Allow', () => {
  it('allows a valid HS256 token with a stage-wide IAM policy whose context holds the security context and its primitives', async () => {
    const claims = { sub: 'user-1', role: 'admin', tenant: 'acme', level: 3, beta: true, groups: ['a', 'b'], org: { id: 7 }, iat: NOW_S - 60, exp: NOW_S + 3600 }
    const { handler } = setup()
    const result = await handler(restTokenEvent(bearer(await hs256(SECRET, claims))))
    expect(result).toStrictEqual(
      iamAllow('user-1', REST_STAGE_RESOURCE, {
        securityContext: JSON.stringify(claims),
        sub: 'user-1',
        role: 'admin',
        tenant: 'acme',
        level: 3,
        beta: true,
        iat: NOW_S - 60,
        exp: NOW_S + 3600,
      }),
    )
  })

  it('uses the documented fallback principal cube-user when the token has no sub', async () => {
    const { handler } = setup()
    const result = await handler(restTokenEvent(await hs256(SECRET, { role: 'viewer' })))
    expect(result).toStrictEqual(iamAllow('cube-user', REST_STAGE_RESOURCE, { securityContext: '{"role":"viewer"}', role: 'viewer' }))
  })

  it.each([
    ['Bearer <jwt>', (t: string) => `Bearer ${t}`],
    ['bearer <jwt>', (t: string) => `bearer ${t}`],
    ['a bare <jwt>', (t: string) => t],
  ])('accepts %s in a REST TOKEN event', async (_name, format) => {
    const { handler } = setup()
    const result = await handler(restTokenEvent(format(await hs256(SECRET, { sub: 'u' }))))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('reads the Authorization header of a REST REQUEST event in any case', async () => {
    const { handler } = setup()
    const result = await handler(restRequestEvent({ AUTHORIZATION: bearer(await hs256(SECRET, { sub: 'u' })) }))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('reads X-Cube-Authorization in a REQUEST event, also next to an Authorization with the same credential', async () => {
    const { handler } = setup()
    const token = await hs256(SECRET, { sub: 'u' })
    expect(await handler(restRequestEvent({ 'x-cube-authorization': token }))).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
    expect(await handler(restRequestEvent({ Authorization: bearer(token), 'x-cube-authorization': token }))).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('refuses X-Cube-Authorization next to an Authorization with another credential (credentials_ambiguous)', async () => {
    const { handler, log } = setup()
    const event = restRequestEvent({ Authorization: bearer(await hs256(OTHER_SECRET, { sub: 'intruder' })), 'x-cube-authorization': await hs256(SECRET, { sub: 'u' }) })
    await expect(handler(event)).rejects.toThrow('Unauthorized')
    expect(log.named('decision').map((entry) => [entry.outcome, entry.reason])).toStrictEqual([['unauthorized', 'credentials_ambiguous']])
  })

  it('covers the whole WebSocket stage for a $connect event', async () => {
    const { handler } = setup()
    const result = await handler(websocketConnectEvent({ Authorization: bearer(await hs256(SECRET, { sub: 'u' })) }))
    expect(result).toStrictEqual(iamAllow('u', WEBSOCKET_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('answers an HTTP API 2.0 event with an IAM policy by default', async () => {
    const { handler } = setup()
    const result = await handler(httpApiEvent({ authorization: bearer(await hs256(SECRET, { sub: 'u' })) }))
    expect(result).toStrictEqual(iamAllow('u', HTTP_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('answers an HTTP API 2.0 event with a simple response when AUTHORIZER_RESPONSE_FORMAT=simple', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, AUTHORIZER_RESPONSE_FORMAT: 'simple' } })
    const result = await handler(httpApiEvent({ authorization: bearer(await hs256(SECRET, { sub: 'u', tenant: 'acme' })) }))
    expect(result).toStrictEqual({ isAuthorized: true, context: { securityContext: '{"sub":"u","tenant":"acme"}', sub: 'u', tenant: 'acme' } })
  })

  it('keeps IAM policies for REST events even when the simple format is configured', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, AUTHORIZER_RESPONSE_FORMAT: 'simple' } })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u' })))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('never lets a claim named securityContext override the serialized security context', async () => {
    const { handler } = setup()
    const result = await handler(restTokenEvent(await hs256(SECRET, { securityContext: 'forged', tenant: 'acme' })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"securityContext":"forged","tenant":"acme"}', tenant: 'acme' })
  })
})

describe('createAuthorizer: Unauthorized', () => {
  it.each([
    ['a TOKEN event without authorizationToken', () => restTokenEvent()],
    ['a TOKEN event with an empty authorizationToken', () => restTokenEvent('')],
    ['a REQUEST event without Authorization header', () => restRequestEvent()],
    ['a WebSocket $connect without Authorization header', () => websocketConnectEvent()],
    ['an HTTP API event without authorization header', () => httpApiEvent()],
  ])('rejects %s with exactly Unauthorized and logs token_missing', async (_name, event) => {
    const { handler, log } = setup()
    await expectUnauthorized(handler(event()))
    expect(log.named('decision').map((entry) => [entry.outcome, entry.reason])).toStrictEqual([['unauthorized', 'token_missing']])
  })

  it('rejects a token whose payload was edited after signing', async () => {
    const { handler, log } = setup()
    const token = await hs256(SECRET, valid({ sub: 'u', role: 'viewer' }))
    await expectUnauthorized(handler(restTokenEvent(bearer(withPayload(token, valid({ sub: 'u', role: 'admin' }))))))
    expect(log.named('decision')[0]?.reason).toBe('signature_invalid')
  })

  it('rejects a token whose signature was altered', async () => {
    const { handler } = setup()
    await expectUnauthorized(handler(restTokenEvent(withBadSignature(await hs256(SECRET, valid())))))
  })

  it('rejects a token signed with another secret', async () => {
    const { handler } = setup()
    await expectUnauthorized(handler(restTokenEvent(await hs256(OTHER_SECRET, valid()))))
  })

  it('rejects a token whose exp equals now, and accepts one that expires a second later', async () => {
    const { handler, log } = setup()
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { exp: NOW_S }))))
    expect(log.named('decision')[0]?.reason).toBe('token_expired')
    await expect(handler(restTokenEvent(await hs256(SECRET, { exp: NOW_S + 1 })))).resolves.toHaveProperty('principalId', 'cube-user')
  })

  it('rejects a token that is not valid before a future nbf', async () => {
    const { handler, log } = setup()
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { nbf: NOW_S + 30 }))))
    expect(log.named('decision')[0]?.reason).toBe('token_not_yet_valid')
  })

  it.each([
    ['an HS384 token when CUBEJS_JWT_ALGS=HS256', () => signed('HS384', SECRET, valid())],
    ['an alg none token', async () => unsigned(valid())],
    ['an RS256 token against an HMAC secret', async () => signed('RS256', (await generateKeyPair('RS256')).privateKey, valid())],
  ])('rejects %s as alg_not_allowed', async (_name, mint) => {
    const { handler, log } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS256' } })
    await expectUnauthorized(handler(restTokenEvent(await mint())))
    expect(log.named('decision')[0]?.reason).toBe('alg_not_allowed')
  })

  it.each([
    ['not-a-jwt', 'not-a-jwt'],
    ['a.b.c', 'a.b.c'],
    ['..', '..'],
    ['a lone scheme', 'Bearer'],
    ['a Basic credential', 'Basic dXNlcjpwYXNz'],
    ['two segments', 'eyJhbGciOiJIUzI1NiJ9.e30'],
    ['a JSON array payload', `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('[1]').toString('base64url')}.sig`],
    ['20 000 characters', 'x'.repeat(20_000)],
  ])('rejects %s with Unauthorized, never a crash', async (_name, credential) => {
    const { handler } = setup()
    await expectUnauthorized(handler(restTokenEvent(credential)))
  })

  it('rejects a token whose claims fail the configured audience, issuer or subject', async () => {
    const { handler, log } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_AUDIENCE: 'cube', CUBEJS_JWT_ISSUER: 'https://idp', CUBEJS_JWT_SUBJECT: 'svc' } })
    const good = { aud: 'cube', iss: 'https://idp', sub: 'svc' }
    await expect(handler(restTokenEvent(await hs256(SECRET, good)))).resolves.toHaveProperty('principalId', 'svc')
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...good, aud: 'other' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...good, iss: 'https://evil' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...good, sub: 'someone' }))))
    expect(log.named('decision').map((entry) => entry.reason)).toStrictEqual(['ok', 'audience_mismatch', 'issuer_mismatch', 'subject_mismatch'])
  })
})

describe('createAuthorizer: errors (API Gateway 500)', () => {
  it.each([
    ['an empty object', {}],
    ['null', null],
    ['a string', 'GET /whoami'],
    ['a TOKEN event without methodArn', { type: 'TOKEN', authorizationToken: 'x' }],
    ['an event of another type', { type: 'COGNITO', methodArn: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/x' }],
  ])('treats %s as event_unknown, not as Unauthorized', async (_name, event) => {
    const { handler, log } = setup()
    await expectAuthorizerError(handler(event), 'event_unknown')
    expect(log.named('decision').map((entry) => [entry.level, entry.outcome, entry.reason])).toStrictEqual([['error', 'error', 'event_unknown']])
  })

  it('fails with config_invalid naming the setting, then recovers on the next invocation once the setting is fixed', async () => {
    let current: Settings = { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: '' }
    let reads = 0
    const { handler, log } = setup({ settings: () => ((reads += 1), { ...current }) })
    const event = restTokenEvent(await hs256(SECRET, { sub: 'u' }))
    await expectAuthorizerError(handler(event), 'config_invalid')
    const failure = log.named('decision')[0]
    expect(failure).toMatchObject({ level: 'error', outcome: 'error', reason: 'config_invalid', setting: 'CUBEJS_JWT_ALGS' })
    expect(String(failure?.detail)).toContain('CUBEJS_JWT_ALGS')
    current = { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS256' }
    await expect(handler(event)).resolves.toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
    expect(reads).toBe(2)
  })

  it('waits for a settings source that answers with a promise, and reports one that rejects as an internal error', async () => {
    let fail = false
    const handler = createAuthorizer({
      settings: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        if (fail) throw new TypeError('parameter store unreachable')
        return { CUBEJS_API_SECRET: SECRET }
      },
      now: () => NOW_MS,
      logger: capturedLogger().logger,
    })
    const event = restTokenEvent(await hs256(SECRET, { sub: 'u' }))
    await expect(handler(event)).resolves.toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
    fail = true
    await expectAuthorizerError(handler(event), 'internal_error')
  })

  it('picks up a changed setting on the next invocation', async () => {
    let secret = SECRET
    const { handler } = setup({ settings: () => ({ CUBEJS_API_SECRET: secret }) })
    const event = restTokenEvent(await hs256(SECRET, { sub: 'u' }))
    await expect(handler(event)).resolves.toHaveProperty('principalId', 'u')
    secret = OTHER_SECRET
    await expectUnauthorized(handler(event))
  })

  it('does not cache a configuration failure: the same broken settings are parsed and reported again', async () => {
    const broken: Settings = { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ISSUER: ' , ' }
    const { handler, log } = setup({ settings: () => broken })
    const event = restTokenEvent(await hs256(SECRET, { sub: 'u' }))
    await expectAuthorizerError(handler(event), 'config_invalid')
    await expectAuthorizerError(handler(event), 'config_invalid')
    expect(log.named('decision').map((entry) => entry.setting)).toStrictEqual(['CUBEJS_JWT_ISSUER', 'CUBEJS_JWT_ISSUER'])
  })

  it('treats a setup without any key as a configuration error, even for a request without a token', async () => {
    const { handler, log } = setup({ settings: {} })
    await expectAuthorizerError(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))), 'config_invalid')
    await expectAuthorizerError(handler(restTokenEvent()), 'config_invalid')
    expect(log.named('decision').map((entry) => entry.setting)).toStrictEqual(['CUBEJS_API_SECRET', 'CUBEJS_API_SECRET'])
  })

  it('never lets dev mode turn a configuration error into an anonymous Allow', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: 'true', CUBEJS_JWT_ALGS: '' } })
    await expectAuthorizerError(handler(restTokenEvent()), 'config_invalid')
  })

  it('reports a settings source that throws as an internal error, never Allow or Unauthorized', async () => {
    const { handler, log } = setup({
      settings: () => {
        throw new TypeError(`cannot reach parameter store with ${SECRET}`)
      },
    })
    await expectAuthorizerError(handler(restTokenEvent(await hs256(SECRET, {}))), 'internal_error')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'error', reason: 'internal_error', detail: 'TypeError' })
    expect(log.lines.join('')).not.toContain(SECRET)
  })
})

describe('createAuthorizer: dev mode', () => {
  const devSettings: Settings = { CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: 'true' }

  it('allows a request without a token as principal anonymous with an empty security context', async () => {
    const { handler, log } = setup({ settings: devSettings })
    expect(await handler(restTokenEvent())).toStrictEqual(iamAllow('anonymous', REST_STAGE_RESOURCE, { securityContext: '{}' }))
    expect(log.named('decision').map((entry) => [entry.outcome, entry.reason])).toStrictEqual([['allow', 'dev_mode_anonymous']])
  })

  it('answers a token-less HTTP API request in simple format with an empty security context', async () => {
    const { handler } = setup({ settings: { ...devSettings, AUTHORIZER_RESPONSE_FORMAT: 'simple' } })
    expect(await handler(httpApiEvent())).toStrictEqual({ isAuthorized: true, context: { securityContext: '{}' } })
  })

  it('still rejects a token that is present but invalid', async () => {
    const { handler } = setup({ settings: devSettings })
    await expectUnauthorized(handler(restTokenEvent(await hs256(OTHER_SECRET, { sub: 'u' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { exp: NOW_S - 1 }))))
    await expectUnauthorized(handler(restRequestEvent({ Authorization: 'Bearer not-a-jwt' })))
  })

  it('still uses a valid token when one is present', async () => {
    const { handler } = setup({ settings: devSettings })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u' })))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"sub":"u"}', sub: 'u' }))
  })

  it('warns dev_mode once per cold start, not once per invocation, even though settings are re-read each time', async () => {
    const { handler, log } = setup({ settings: devSettings })
    await handler(restTokenEvent())
    await handler(restTokenEvent())
    await handler(restTokenEvent())
    expect(log.named('dev_mode').map((entry) => entry.level)).toStrictEqual(['warn'])
    expect(log.named('decision')).toHaveLength(3)
  })

  it('does not warn dev_mode when dev mode is off', async () => {
    const { handler, log } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: 'false' } })
    await expectUnauthorized(handler(restTokenEvent()))
    expect(log.named('dev_mode')).toStrictEqual([])
  })
})

describe('createAuthorizer: security context', () => {
  it('uses the claims namespace object as the security context', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'https://cube.dev/ctx' } })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u', 'https://cube.dev/ctx': { tenant: 'acme', tier: 2 } })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"tenant":"acme","tier":2}', tenant: 'acme', tier: 2 })
  })

  it('parses a namespace claim that holds JSON text (cube-js/cube#4811)', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'ctx' } })
    const result = await handler(restTokenEvent(await hs256(SECRET, { ctx: '{"tenant":"acme"}' })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"tenant":"acme"}', tenant: 'acme' })
  })

  it('uses an empty security context when the namespace claim is absent', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'ctx' } })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u', tenant: 'acme' })))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{}' }))
  })

  it('merges a legacy u object on top of the payload and drops u', async () => {
    const { handler } = setup()
    const result = await handler(restTokenEvent(await hs256(SECRET, { role: 'viewer', u: { role: 'admin', user_id: 7 } })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"role":"admin","user_id":7}', role: 'admin', user_id: 7 })
  })

  it('fails closed with context_too_large instead of trimming a security context over 8 KB', async () => {
    const { handler, log } = setup()
    const big = 'p'.repeat(9000)
    await expectAuthorizerError(handler(restTokenEvent(await hs256(SECRET, { sub: 'u', permissions: big }))), 'context_too_large')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'error', reason: 'context_too_large' })
    expect(log.lines.join('')).not.toContain('ppppp')
  })

  it('allows a security context that fits within 8 KB', async () => {
    const { handler } = setup()
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u', permissions: 'p'.repeat(3000) })))
    expect(securityContextOf(result)).toStrictEqual({ sub: 'u', permissions: 'p'.repeat(3000) })
  })

  it('fails closed when the simple response would exceed 8 KB', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, AUTHORIZER_RESPONSE_FORMAT: 'simple' } })
    await expectAuthorizerError(handler(httpApiEvent({ authorization: await hs256(SECRET, { permissions: 'p'.repeat(9000) }) })), 'context_too_large')
  })
})

describe('createAuthorizer: checkAuth', () => {
  const settings: Settings = { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'ctx' }

  it('receives the event, the raw token, the verified payload and the security context', async () => {
    const calls: CheckAuthArgs[] = []
    const { handler } = setup({ settings, checkAuth: (args) => void calls.push(args) })
    const claims = { sub: 'u', ctx: { tenant: 'acme' } }
    const token = await hs256(SECRET, claims)
    const event = restRequestEvent({ Authorization: bearer(token) })
    await handler(event)
    expect(calls).toHaveLength(1)
    expect(calls[0]?.event).toBe(event)
    expect(calls[0]?.token).toBe(token)
    expect(calls[0]?.payload).toStrictEqual(claims)
    expect(calls[0]?.securityContext).toStrictEqual({ tenant: 'acme' })
  })

  it('keeps the security context when checkAuth returns nothing', async () => {
    const { handler } = setup({ settings, checkAuth: () => undefined })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u', ctx: { tenant: 'acme' } })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"tenant":"acme"}', tenant: 'acme' })
  })

  it('replaces the security context with what checkAuth returns', async () => {
    const { handler } = setup({ settings, checkAuth: async ({ securityContext }) => ({ tenant: securityContext.tenant, plan: 'gold' }) })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u', ctx: { tenant: 'acme', role: 'x' } })))
    expect(result).toStrictEqual(iamAllow('u', REST_STAGE_RESOURCE, { securityContext: '{"tenant":"acme","plan":"gold"}', tenant: 'acme', plan: 'gold' }))
  })

  it('answers a Deny policy for the whole stage when checkAuth returns false', async () => {
    const { handler, log } = setup({ settings, checkAuth: () => false })
    const result = await handler(restTokenEvent(await hs256(SECRET, { sub: 'u' })))
    expect(result).toStrictEqual({
      principalId: 'u',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: REST_STAGE_RESOURCE }] },
    })
    expect(log.named('decision').map((entry) => [entry.outcome, entry.reason])).toStrictEqual([['deny', 'check_auth_denied']])
  })

  it('answers { isAuthorized: false } to an HTTP API in simple format when checkAuth returns false', async () => {
    const { handler } = setup({ settings: { ...settings, AUTHORIZER_RESPONSE_FORMAT: 'simple' }, checkAuth: async () => false as const })
    expect(await handler(httpApiEvent({ authorization: await hs256(SECRET, { sub: 'u' }) }))).toStrictEqual({ isAuthorized: false })
  })

  it('turns checkAuth throwing Error("Unauthorized") into Unauthorized', async () => {
    const { handler, log } = setup({
      settings,
      checkAuth: () => {
        throw new Error('Unauthorized')
      },
    })
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))))
    expect(log.named('decision')[0]?.reason).toBe('check_auth_rejected')
  })

  it('turns any other checkAuth failure into an error that is neither Allow nor Unauthorized, without logging its message', async () => {
    const { handler, log } = setup({
      settings,
      checkAuth: async ({ securityContext }) => {
        throw new RangeError(`tenant ${String(securityContext.tenant)} is over quota`)
      },
    })
    await expectAuthorizerError(handler(restTokenEvent(await hs256(SECRET, { sub: 'u', ctx: { tenant: 'tenant-zq81' } }))), 'check_auth_failed')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'error', reason: 'check_auth_failed' })
    expect(log.lines.join('')).not.toContain('tenant-zq81')
    expect(log.lines.join('')).not.toContain('over quota')
  })

  it('fails closed when checkAuth returns something that is not a context', async () => {
    const { handler } = setup({ settings, checkAuth: (() => 'yes') as unknown as CheckAuth })
    await expectAuthorizerError(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))), 'check_auth_failed')
  })

  it('is not called for a token that fails verification', async () => {
    let calls = 0
    const { handler } = setup({ settings, checkAuth: () => void (calls += 1) })
    await expectUnauthorized(handler(restTokenEvent(await hs256(OTHER_SECRET, { sub: 'u' }))))
    expect(calls).toBe(0)
  })
})

describe('createAuthorizer: code options win over settings', () => {
  it('verifies with jwt.key instead of CUBEJS_API_SECRET', async () => {
    const { handler } = setup({ jwt: { key: OTHER_SECRET } })
    await expect(handler(restTokenEvent(await hs256(OTHER_SECRET, { sub: 'u' })))).resolves.toHaveProperty('principalId', 'u')
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))))
  })

  it('verifies with jwt.key instead of CUBEJS_JWT_KEY', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const { handler } = setup({ settings: { CUBEJS_JWT_KEY: SECRET }, jwt: { key: await exportSPKI(publicKey) } })
    await expect(handler(restTokenEvent(await signed('ES256', privateKey, { sub: 'u' })))).resolves.toHaveProperty('principalId', 'u')
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))))
  })

  it('checks jwt.audience, jwt.issuer and jwt.subject instead of their settings', async () => {
    const { handler } = setup({
      settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_AUDIENCE: 'env-aud', CUBEJS_JWT_ISSUER: 'env-iss', CUBEJS_JWT_SUBJECT: 'env-sub' },
      jwt: { audience: 'code-aud', issuer: ['code-iss'], subject: 'code-sub' },
    })
    const code = { aud: ['x', 'code-aud'], iss: 'code-iss', sub: 'code-sub' }
    await expect(handler(restTokenEvent(await hs256(SECRET, code)))).resolves.toHaveProperty('principalId', 'code-sub')
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...code, aud: 'env-aud' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...code, iss: 'env-iss' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { ...code, sub: 'env-sub' }))))
  })

  it('uses jwt.claimsNamespace instead of CUBEJS_JWT_CLAIMS_NAMESPACE', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_CLAIMS_NAMESPACE: 'env' }, jwt: { claimsNamespace: 'code' } })
    const result = await handler(restTokenEvent(await hs256(SECRET, { env: { from: 'env' }, code: { from: 'code' } })))
    expect(contextOf(result)).toStrictEqual({ securityContext: '{"from":"code"}', from: 'code' })
  })

  it('allows jwt.algorithms instead of CUBEJS_JWT_ALGS', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS256' }, jwt: { algorithms: ['HS512'] } })
    await expect(handler(restTokenEvent(await signed('HS512', SECRET, { sub: 'u' })))).resolves.toHaveProperty('principalId', 'u')
    await expectUnauthorized(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' }))))
  })
})

describe('createAuthorizer: CUBEJS_API_SECRETS rotation', () => {
  const settings: Settings = { CUBEJS_API_SECRETS: ` ${OTHER_SECRET} ,, ${SECRET} `, CUBEJS_API_SECRET: 'replaced-secret-1f2e3d-0123456789abcdef0123456789abcdef012345678' }

  it('accepts a token signed with any of the listed secrets', async () => {
    const { handler } = setup({ settings })
    await expect(handler(restTokenEvent(await hs256(SECRET, { sub: 'new' })))).resolves.toHaveProperty('principalId', 'new')
    await expect(handler(restTokenEvent(await hs256(OTHER_SECRET, { sub: 'old' })))).resolves.toHaveProperty('principalId', 'old')
  })

  it('no longer accepts CUBEJS_API_SECRET once CUBEJS_API_SECRETS is set, nor any unlisted secret', async () => {
    const { handler } = setup({ settings })
    await expectUnauthorized(handler(restTokenEvent(await hs256('replaced-secret-1f2e3d-0123456789abcdef0123456789abcdef012345678', { sub: 'u' }))))
    await expectUnauthorized(handler(restTokenEvent(await hs256('unlisted-secret-9a8b7c', { sub: 'u' }))))
  })

  it('falls back to CUBEJS_API_SECRET when CUBEJS_API_SECRETS holds only separators', async () => {
    const { handler } = setup({ settings: { CUBEJS_API_SECRETS: ' , ', CUBEJS_API_SECRET: SECRET } })
    await expect(handler(restTokenEvent(await hs256(SECRET, { sub: 'u' })))).resolves.toHaveProperty('principalId', 'u')
  })
})

describe('createAuthorizer: remote JWKS', () => {
  const track = closedAfterEach()

  it('verifies with CUBEJS_JWK_URL alone and keeps the fetched keys although settings are re-read per invocation', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', 'kid-1')
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
    const { handler, log } = setup({ settings: { CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', ...PATIENT_JWKS } })
    for (const sub of ['a', 'b', 'c']) {
      const token = await signed('RS256', privateKey, { sub }, { kid: 'kid-1' })
      await expect(handler(restTokenEvent(bearer(token)))).resolves.toHaveProperty('principalId', sub)
    }
    expect(server.requests).toBe(1)
    expect(log.named('decision').map((entry) => [entry.alg, entry.kid, entry.keys])).toStrictEqual([
      ['RS256', 'kid-1', 'fresh'],
      ['RS256', 'kid-1', 'fresh'],
      ['RS256', 'kid-1', 'fresh'],
    ])
  })

  it('fails closed with jwks_unavailable when the key server answers 500', async () => {
    const { privateKey, publicJwk } = await generateJwk('ES256', 'kid-1')
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] }, mode: { kind: 'status', status: 500 } }))
    const { handler, log } = setup({ settings: { CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' } })
    await expectAuthorizerError(handler(restTokenEvent(await signed('ES256', privateKey, { sub: 'u' }, { kid: 'kid-1' }))), 'jwks_unavailable')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'error', reason: 'jwks_unavailable' })
  })
})

describe('createAuthorizer: decision logs', () => {
  it('writes exactly one decision line for an Allow with outcome, reason, alg, kid, token age and latency', async () => {
    let clockRef: { ms: number } | undefined
    const { handler, log, clock } = setup({
      checkAuth: () => {
        if (clockRef) clockRef.ms += 25
      },
    })
    clockRef = clock
    const token = await hs256(SECRET, { sub: 'u', iat: NOW_S - 120 }, { kid: 'key-2025' })
    await handler(restTokenEvent(bearer(token)), { awsRequestId: 'req-1' })
    expect(log.named('decision')).toStrictEqual([
      {
        level: 'info',
        time: new Date(NOW_MS + 25).toISOString(),
        message: 'decision',
        outcome: 'allow',
        reason: 'ok',
        event: 'rest_token',
        token_source: 'header',
        alg: 'HS256',
        kid: 'key-2025',
        keys: 'static',
        token_age_seconds: 120,
        latency_ms: 25,
        request_id: 'req-1',
      },
    ])
  })

  it('writes exactly one decision line for a rejected token, with the alg and kid it decoded', async () => {
    const { handler, log } = setup()
    await expectUnauthorized(handler(restRequestEvent({ Authorization: await hs256(OTHER_SECRET, { sub: 'u' }, { kid: 'k1' }) })))
    expect(log.named('decision')).toStrictEqual([
      {
        level: 'info',
        time: new Date(NOW_MS).toISOString(),
        message: 'decision',
        outcome: 'unauthorized',
        reason: 'signature_invalid',
        event: 'rest_request',
        token_source: 'header',
        alg: 'HS256',
        kid: 'k1',
        keys: 'static',
        latency_ms: 0,
      },
    ])
  })

  it('never writes the token, its parts, the secret, the Authorization header or claim values to any log line', async () => {
    const claimValue = 'claim-value-q7w8e9'
    const claims = { sub: `sub-${claimValue}`, tenant: claimValue, ctx: { email: `${claimValue}@example.com` } }
    const outcomes: string[] = []
    const { handler, log } = setup({
      settings: () => ({ CUBEJS_API_SECRETS: `${SECRET},${OTHER_SECRET}`, CUBEJS_DEV_MODE: 'true', AUTHORIZER_RESPONSE_FORMAT: 'simple' }),
      checkAuth: ({ payload }) => {
        if (payload.deny === true) return false
        if (payload.explode === true) throw new Error(`boom ${claimValue}`)
        return undefined
      },
    })
    const token = await hs256(SECRET, claims)
    const tokens = [
      token,
      withPayload(token, { ...claims, tenant: 'other' }),
      await hs256(SECRET, { ...claims, exp: NOW_S }),
      await hs256(SECRET, { ...claims, deny: true }),
      await hs256(SECRET, { ...claims, explode: true }),
      await hs256(SECRET, { ...claims, big: claimValue.repeat(500) }),
      await signed('HS512', 'unlisted-secret-3c4d5e', claims),
    ]
    const run = (promise: Promise<unknown>) => promise.then(() => outcomes.push('resolved'), (error: Error) => outcomes.push(error.message))
    for (const t of tokens) {
      await run(handler(restTokenEvent(bearer(t))))
      await run(handler(httpApiEvent({ authorization: bearer(t) })))
    }
    await run(handler(restTokenEvent()))
    expect(outcomes).toStrictEqual([
      'resolved', 'resolved',
      'Unauthorized', 'Unauthorized',
      'Unauthorized', 'Unauthorized',
      'resolved', 'resolved',
      'Authorizer error: check_auth_failed', 'Authorizer error: check_auth_failed',
      'Authorizer error: context_too_large', 'Authorizer error: context_too_large',
      'Unauthorized', 'Unauthorized',
      'resolved',
    ])
    expect(log.named('decision')).toHaveLength(15)
    const forbidden = [SECRET, OTHER_SECRET, claimValue, 'Bearer', ...tokens, ...tokens.flatMap((t) => t.split('.').filter((part) => part.length > 8))]
    for (const line of log.lines) {
      for (const value of forbidden) expect(line).not.toContain(value)
    }
  })
})

describe('checkAuth receives a safe payload', () => {
  it('hands checkAuth a payload apart from the security context, untouched by the legacy u merge and by its own edits', async () => {
    const SECRET = 'check-auth-payload-secret-0123456789abcdef0123456789abcdef012345'
    const seen: CheckAuthArgs[] = []
    const handler = createAuthorizer({
      settings: () => ({ CUBEJS_API_SECRET: SECRET }),
      logger: capturedLogger().logger,
      checkAuth: (args) => {
        seen.push(args)
        args.securityContext.plan = 'gold'
      },
    })
    const claims = { sub: 'u', role: 'viewer', u: { role: 'admin', userId: 42 } }
    const plain = { sub: 'p', tenant: 'acme' }
    const results = [await handler(restTokenEvent(`Bearer ${await hs256(SECRET, claims)}`)), await handler(restTokenEvent(`Bearer ${await hs256(SECRET, plain)}`))]
    expect(seen.map((args) => args.payload)).toStrictEqual([claims, plain])
    for (const args of seen) {
      expect(args.payload).not.toBe(args.securityContext)
      expect(Object.isFrozen(args.payload)).toBe(true)
    }
    expect(results.map((result) => JSON.parse(String(contextOf(result).securityContext)) as unknown)).toStrictEqual([
      { sub: 'u', role: 'admin', userId: 42, plan: 'gold' },
      { sub: 'p', tenant: 'acme', plan: 'gold' },
    ])
  })

  it('strips __proto__ from the payload it hands to checkAuth and freezes it', async () => {
    const SECRET = 'check-auth-payload-secret-0123456789abcdef0123456789abcdef012345'
    let seen: Readonly<Record<string, unknown>> | undefined
    const handler = createAuthorizer({
      settings: () => ({ CUBEJS_API_SECRET: SECRET }),
      logger: capturedLogger().logger,
      checkAuth: ({ payload }) => {
        seen = payload
        return { merged: (Object.assign({}, payload) as Record<string, unknown>).polluted === 'yes' }
      },
    })
    const token = await hs256(SECRET, JSON.parse('{"sub":"u","__proto__":{"polluted":"yes"}}') as Record<string, unknown>)
    const result = (await handler(restTokenEvent(`Bearer ${token}`))) as { context: Record<string, unknown> }
    expect(result.context.merged).toBe(false)
    expect(Object.hasOwn(seen ?? {}, '__proto__')).toBe(false)
    expect(Object.isFrozen(seen)).toBe(true)
  })
})
