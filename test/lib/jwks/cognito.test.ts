// Amazon Cognito end to end: access and ID tokens shaped as Cognito issues them, keys from a JWKS server on 127.0.0.1.
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import type { Settings } from '../../../lib/settings/env.js'
import { fetchJwks, type JwksFetcher } from '../../../lib/jwks/fetch.js'
import { ErrorCode } from '../../../lib/errors.js'
import { generateJwk, startJwksServer } from '../../support/jwks-server.js'
import { capturedLogger, restTokenEvent } from '../../support/tokens.js'
import { httpAt } from '../../support/scoped-events.js'
import { closedAfterEach } from '../../support/closed-after-each.js'
import { PATIENT_JWKS } from '../../support/patience.js'
import { CLIENT_ID, cognitoAccessToken, cognitoIdToken, KID, POOL_ID, POOL_ISSUER, POOL_JWKS_URL } from '../../support/cognito-tokens.js'

const NOW_SECONDS = 1_800_000_000
const track = closedAfterEach()

/**
 * A pool whose JWKS is served on 127.0.0.1. The shorthand derives an https URL on amazonaws.com; the fetcher option
 * (createAuthorizer's, for tests) sends exactly that URL to the local server with the real download code, and records it.
 */
async function pool(settings: Settings) {
  const { privateKey, publicJwk } = await generateJwk('RS256', KID)
  const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
  const requested: string[] = []
  const fetcher: JwksFetcher = (url, timeoutMs) => {
    requested.push(url)
    return url === POOL_JWKS_URL ? fetchJwks(server.url, timeoutMs) : Promise.reject(new Error('unexpected URL'))
  }
  const log = capturedLogger()
  const handler = createAuthorizer({ settings: () => ({ ...PATIENT_JWKS, ...settings }), logger: log.logger, jwksFetcher: fetcher, now: () => NOW_SECONDS * 1000 })
  const signer = { privateKey, kid: KID }
  const outcome = (token: string) =>
    handler(restTokenEvent(`Bearer ${token}`)).then((r) => r, (e: Error) => e.message)
  const reasons = () => log.named('decision').map((d) => d.reason)
  return { handler, signer, server, requested, outcome, reasons }
}

const ACCESS: Settings = { AUTHORIZER_COGNITO_USER_POOL: POOL_ID, AUTHORIZER_TOKEN_USE: 'access', CUBEJS_JWT_AUDIENCE: CLIENT_ID }
const ID: Settings = { AUTHORIZER_COGNITO_USER_POOL: POOL_ID, AUTHORIZER_TOKEN_USE: 'id', CUBEJS_JWT_AUDIENCE: CLIENT_ID }

describe('AUTHORIZER_COGNITO_USER_POOL with access tokens', () => {
  it("allows the pool's access token, matching the app client in client_id, from the pool's own JWKS URL", async () => {
    const { signer, requested, outcome, reasons } = await pool(ACCESS)
    const result = await outcome(await cognitoAccessToken(signer, NOW_SECONDS))
    expect(result).toMatchObject({ principalId: 'aaaaaaaa-bbbb-cccc-dddd-example', policyDocument: { Statement: [{ Effect: 'Allow' }] } })
    expect(requested).toEqual([POOL_JWKS_URL])
    expect(reasons()).toEqual(['ok'])
  })

  it('refuses an ID token where access tokens are configured, and an access token where ID tokens are', async () => {
    const access = await pool(ACCESS)
    expect(await access.outcome(await cognitoIdToken(access.signer, NOW_SECONDS))).toBe('Unauthorized')
    expect(access.reasons()).toEqual([ErrorCode.TOKEN_USE_MISMATCH])
    const id = await pool(ID)
    expect(await id.outcome(await cognitoAccessToken(id.signer, NOW_SECONDS))).toBe('Unauthorized')
    expect(id.reasons()).toEqual([ErrorCode.TOKEN_USE_MISMATCH])
  })

  it('refuses the access token of another app client, or one that also names another audience', async () => {
    const { signer, outcome, reasons } = await pool(ACCESS)
    expect(await outcome(await cognitoAccessToken(signer, NOW_SECONDS, { client_id: 'another-app-client-0000000' }))).toBe('Unauthorized')
    expect(await outcome(await cognitoAccessToken(signer, NOW_SECONDS, { aud: 'another-api' }))).toBe('Unauthorized')
    expect(reasons()).toEqual([ErrorCode.AUDIENCE_MISMATCH, ErrorCode.AUDIENCE_MISMATCH])
  })

  it("refuses a token of another pool signed with this pool's key (iss is checked), and an expired one", async () => {
    const { signer, outcome, reasons } = await pool(ACCESS)
    expect(await outcome(await cognitoAccessToken(signer, NOW_SECONDS, { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }))).toBe('Unauthorized')
    expect(await outcome(await cognitoAccessToken(signer, NOW_SECONDS, { exp: NOW_SECONDS - 1 }))).toBe('Unauthorized')
    expect(reasons()).toEqual([ErrorCode.ISSUER_MISMATCH, ErrorCode.TOKEN_EXPIRED])
  })
})

describe('AUTHORIZER_COGNITO_USER_POOL with ID tokens', () => {
  it('allows the ID token, matching the app client in aud, and passes its attributes in the context', async () => {
    const { signer, outcome } = await pool(ID)
    const result = await outcome(await cognitoIdToken(signer, NOW_SECONDS))
    expect(result).toMatchObject({ principalId: 'aaaaaaaa-bbbb-cccc-dddd-example', context: { email: 'alice@example.com', 'cognito:username': 'alice', token_use: 'id' } })
  })

  it('refuses an ID token for another app client', async () => {
    const { signer, outcome, reasons } = await pool(ID)
    expect(await outcome(await cognitoIdToken(signer, NOW_SECONDS, { aud: 'another-app-client-0000000' }))).toBe('Unauthorized')
    expect(reasons()).toEqual([ErrorCode.AUDIENCE_MISMATCH])
  })
})

describe('Cognito without the shorthand', () => {
  it('works with CUBEJS_JWK_URL, CUBEJS_JWT_ISSUER and AUTHORIZER_TOKEN_USE spelled out', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', KID)
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
    const settings: Settings = { ...PATIENT_JWKS, CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: POOL_ISSUER, CUBEJS_JWT_AUDIENCE: CLIENT_ID, AUTHORIZER_TOKEN_USE: 'access' }
    const handler = createAuthorizer({ settings: () => settings, logger: capturedLogger().logger, now: () => NOW_SECONDS * 1000 })
    const signer = { privateKey, kid: KID }
    await expect(handler(restTokenEvent(await cognitoAccessToken(signer, NOW_SECONDS)))).resolves.toMatchObject({ principalId: 'aaaaaaaa-bbbb-cccc-dddd-example' })
    await expect(handler(restTokenEvent(await cognitoIdToken(signer, NOW_SECONDS)))).rejects.toThrow('Unauthorized')
  })

  it('without AUTHORIZER_TOKEN_USE, CUBEJS_JWT_AUDIENCE is matched against aud only, so access tokens are refused (as in Cube)', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', KID)
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
    const settings: Settings = { ...PATIENT_JWKS, CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: POOL_ISSUER, CUBEJS_JWT_AUDIENCE: CLIENT_ID }
    const handler = createAuthorizer({ settings: () => settings, logger: capturedLogger().logger, now: () => NOW_SECONDS * 1000 })
    await expect(handler(restTokenEvent(await cognitoAccessToken({ privateKey, kid: KID }, NOW_SECONDS)))).rejects.toThrow('Unauthorized')
  })
})

describe('cognito:groups', () => {
  const NAMESPACE = 'https://cube.example/claims'
  const contextOf = (result: unknown) => JSON.parse((result as { context: { securityContext: string } }).context.securityContext) as Record<string, unknown>

  it('is in the security context with a claims namespace, next to the namespace object, and wins over a same-named key in it', async () => {
    const { signer, outcome } = await pool({ ...ID, CUBEJS_JWT_CLAIMS_NAMESPACE: NAMESPACE })
    const token = await cognitoIdToken(signer, NOW_SECONDS, { [NAMESPACE]: JSON.stringify({ tenant: 'acme', 'cognito:groups': ['forged'] }) })
    expect(contextOf(await outcome(token))).toEqual({ tenant: 'acme', 'cognito:groups': ['analysts', 'admins'] })
  })

  it('is not added for tokens that are not Cognito tokens (no AUTHORIZER_TOKEN_USE): Cube semantics stay', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', KID)
    const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
    const settings: Settings = { ...PATIENT_JWKS, CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: POOL_ISSUER, AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', CUBEJS_JWT_CLAIMS_NAMESPACE: NAMESPACE }
    const handler = createAuthorizer({ settings: () => settings, logger: capturedLogger().logger, now: () => NOW_SECONDS * 1000 })
    const token = await cognitoIdToken({ privateKey, kid: KID }, NOW_SECONDS, { [NAMESPACE]: { tenant: 'acme' } })
    expect(contextOf(await handler(restTokenEvent(token)))).toEqual({ tenant: 'acme' })
  })

  it.each([
    ['without a namespace', {}],
    ['with a claims namespace', { CUBEJS_JWT_CLAIMS_NAMESPACE: NAMESPACE }],
  ])('drives AUTHORIZER_ROUTE_REQUIREMENTS claims rules %s', async (_what, extra) => {
    const rules = JSON.stringify([{ route: 'ANY /admin/*', claims: { 'cognito:groups': 'admins' } }, { route: 'GET /reports/*', claims: { 'cognito:groups': ['analysts', 'admins'] } }])
    const { handler, signer } = await pool({ ...ACCESS, ...extra, AUTHORIZER_ROUTE_REQUIREMENTS: rules, AUTHORIZER_RESPONSE_FORMAT: 'simple', AUTHORIZER_RESULT_CACHE: 'off' })
    const authorized = async (groups: string[], method: string, path: string) =>
      ((await handler(httpAt(method, path, await cognitoAccessToken(signer, NOW_SECONDS, { 'cognito:groups': groups })))) as { isAuthorized: boolean }).isAuthorized
    expect(await authorized(['admins'], 'DELETE', '/admin/users/1')).toBe(true)
    expect(await authorized(['analysts'], 'DELETE', '/admin/users/1')).toBe(false)
    expect(await authorized(['analysts'], 'GET', '/reports/q1')).toBe(true)
    expect(await authorized([], 'GET', '/reports/q1')).toBe(false)
  })
})
