// The token endpoint: login first, then a token the authorizer accepts; placeholder login only when switched on.
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import type { Settings } from '../../lib/config-env.js'
import { readDemoLogin } from '../../lib/config-demo-login.js'
import { demoLogin } from '../../lib/demo-login.js'
import { createTokenEndpoint, type TokenEndpointOptions } from '../../lib/token-endpoint.js'
import { capturedLogger, httpApiEvent, restRequestEvent, restTokenEvent } from '../support/tokens.js'

const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0)
const SECRET = 'endpoint-secret-9d3f1a6c2e-0123456789abcdef0123456789abcdef01234'

function setup(options: Partial<TokenEndpointOptions> & { settings?: () => Settings } = {}) {
  const log = capturedLogger(() => NOW_MS)
  const handler = createTokenEndpoint({ settings: () => ({ CUBEJS_API_SECRET: SECRET }), demoLogin: true, now: () => NOW_MS, logger: log.logger, ...options })
  return { handler, log }
}

const tokenOf = (response: { body: string }) => (JSON.parse(response.body) as { token: string }).token

async function authorize(token: string, settings: Settings = { CUBEJS_API_SECRET: SECRET }) {
  return createAuthorizer({ settings: () => settings, now: () => NOW_MS, logger: capturedLogger().logger })(restTokenEvent(token))
}

describe('createTokenEndpoint with the placeholder login', () => {
  it('answers a signed-in demo user with a token that the authorizer allows, uncacheable', async () => {
    const { handler, log } = setup()
    const response = await handler(httpApiEvent({ 'X-Demo-User': 'alice' }))
    expect(response.statusCode).toBe(200)
    expect(response.headers).toStrictEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' })
    const token = tokenOf(response)
    expect(await authorize(token)).toMatchObject({ principalId: 'alice', context: { sub: 'alice', exp: NOW_MS / 1000 + 86_400 } })
    expect(log.named('token_issued')).toMatchObject([{ alg: 'HS256', expires_in_seconds: 86_400 }])
    expect(log.lines.join('')).not.toContain(token)
    expect(log.lines.join('')).not.toContain(SECRET)
  })

  it('reads the header in any case (REST keeps the client spelling)', async () => {
    const { handler } = setup()
    expect((await handler(restRequestEvent({ 'x-DEMO-user': 'bob' }))).statusCode).toBe(200)
  })

  it.each([
    ['no header', {}],
    ['an empty name', { 'X-Demo-User': '' }],
    ['a name with spaces', { 'X-Demo-User': 'alice smith' }],
    ['a name over 64 characters', { 'X-Demo-User': 'a'.repeat(65) }],
  ])('answers 401 "login required" and signs nothing for %s', async (_case, headers) => {
    const { handler, log } = setup()
    const response = await handler(httpApiEvent(headers))
    expect(response.statusCode).toBe(401)
    expect(JSON.parse(response.body)).toStrictEqual({ error: 'login required' })
    expect(log.named('token_issued')).toStrictEqual([])
  })

  it('treats everybody as signed out when the placeholder is off, and says why in the log', async () => {
    const { handler, log } = setup({ demoLogin: false })
    expect((await handler(httpApiEvent({ 'X-Demo-User': 'alice' }))).statusCode).toBe(401)
    expect(log.named('token_endpoint_login')).toMatchObject([{ level: 'warn', outcome: 'no_login' }])
  })
})

describe('createTokenEndpoint with your own login', () => {
  it('signs the claims your login returns, and ignores the demo header', async () => {
    const { handler } = setup({ demoLogin: false, login: (event) => ((event as { headers: { cookie?: string } }).headers.cookie === 'session=ok' ? { sub: 'u-1', tenant: 'acme' } : undefined) })
    expect((await handler(httpApiEvent({ 'X-Demo-User': 'alice' }))).statusCode).toBe(401)
    const response = await handler(httpApiEvent({ cookie: 'session=ok' }))
    expect(JSON.parse(String((await authorize(tokenOf(response)) as unknown as { context: { securityContext: string } }).context.securityContext))).toMatchObject({
      sub: 'u-1',
      tenant: 'acme',
    })
  })

  it('answers 500 when the login check throws, logging the error name only', async () => {
    const { handler, log } = setup({ login: () => { throw new TypeError('session store said: password=hunter2') } })
    const response = await handler(httpApiEvent())
    expect(response.statusCode).toBe(500)
    expect(JSON.parse(response.body)).toStrictEqual({ error: 'token endpoint unavailable' })
    expect(log.named('token_endpoint_failed')).toMatchObject([{ reason: 'internal_error', detail: 'TypeError' }])
    expect(log.lines.join('')).not.toContain('hunter2')
  })
})

describe('createTokenEndpoint settings', () => {
  it('answers 500 naming the setting when no secret is configured, without revealing anything to the caller', async () => {
    const { handler, log } = setup({ settings: () => ({}) })
    const response = await handler(httpApiEvent({ 'X-Demo-User': 'alice' }))
    expect(response).toMatchObject({ statusCode: 500, body: '{"error":"token endpoint unavailable"}' })
    expect(log.named('token_endpoint_failed')).toMatchObject([{ level: 'error', reason: 'config_invalid', setting: 'CUBEJS_API_SECRET' }])
  })

  it('answers 500 for settings it cannot sign with (a JWKS URL), naming the setting', async () => {
    const { handler, log } = setup({ settings: () => ({ CUBEJS_JWK_URL: 'https://idp.example.com/jwks.json', AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }) })
    expect((await handler(httpApiEvent({ 'X-Demo-User': 'alice' }))).statusCode).toBe(500)
    expect(log.named('token_endpoint_failed')).toMatchObject([{ setting: 'CUBEJS_JWK_URL' }])
  })

  it('signs with the current settings after a rotation (a settings source may change between calls)', async () => {
    let settings: Settings = { CUBEJS_API_SECRET: 'first-secret-11aa-0123456789abcdef0123456789abcdef0123456789abcd' }
    const { handler } = setup({ settings: () => settings })
    const first = tokenOf(await handler(httpApiEvent({ 'X-Demo-User': 'alice' })))
    settings = { CUBEJS_API_SECRET: 'second-secret-22bb-0123456789abcdef0123456789abcdef0123456789abc' }
    const second = tokenOf(await handler(httpApiEvent({ 'X-Demo-User': 'alice' })))
    expect(await authorize(first, { CUBEJS_API_SECRET: 'first-secret-11aa-0123456789abcdef0123456789abcdef0123456789abcd' })).toMatchObject({ principalId: 'alice' })
    expect(await authorize(second, { CUBEJS_API_SECRET: 'second-secret-22bb-0123456789abcdef0123456789abcdef0123456789abc' })).toMatchObject({ principalId: 'alice' })
    await expect(authorize(second, { CUBEJS_API_SECRET: 'first-secret-11aa-0123456789abcdef0123456789abcdef0123456789abcd' })).rejects.toThrow('Unauthorized')
  })
})

describe('AUTHORIZER_DEMO_LOGIN and the placeholder', () => {
  it('is off unless exactly true, and any other value is a configuration error naming the setting', () => {
    expect(readDemoLogin({})).toBe(false)
    expect(readDemoLogin({ AUTHORIZER_DEMO_LOGIN: 'false' })).toBe(false)
    expect(readDemoLogin({ AUTHORIZER_DEMO_LOGIN: 'true' })).toBe(true)
    expect(() => readDemoLogin({ AUTHORIZER_DEMO_LOGIN: 'yes' })).toThrow(expect.objectContaining({ setting: 'AUTHORIZER_DEMO_LOGIN' }))
  })

  it('turns the X-Demo-User name into the sub claim, and nothing else', () => {
    expect(demoLogin(httpApiEvent({ 'X-Demo-User': ' carol@example.com ' }))).toStrictEqual({ sub: 'carol@example.com' })
    expect(demoLogin(httpApiEvent({ 'X-Demo-User': 'mallory"}' }))).toBeUndefined()
  })
})
