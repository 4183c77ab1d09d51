// The built bundle with issue 14's settings from a real environment: OIDC discovery at cold start, a WebSocket
// $connect with its token in the query string, and the token age limit.
import { describe, expect, it } from 'vitest'
import { runBundle, type BundleRun } from '../support/bundle-runner.js'
import { generateJwk } from '../support/jwks-server.js'
import { startOidcServer } from '../support/oidc-server.js'
import { hs256, signed, WEBSOCKET_STAGE_RESOURCE, websocketConnectEvent } from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'
import { PATIENT_JWKS } from '../support/patience.js'

const SECRET = 'e2e-identity-secret-9d3b51a7c2e4-0123456789abcdef0123456789'
const track = closedAfterEach()
const results = (run: BundleRun) => run.outcomes.map((outcome) => (outcome.ok ? (outcome.result as { principalId?: string }).principalId ?? outcome.result : outcome.error.message))

describe('dist/authorizer.mjs with AUTHORIZER_OIDC_ISSUER', () => {
  it('discovers the JWKS URL once per cold start and verifies the issuer’s tokens', async () => {
    const { privateKey, publicJwk } = await generateJwk('RS256', 'oidc-1')
    const server = track(await startOidcServer({ keys: [publicJwk] }, '/realms/cube'))
    const token = (claims: Record<string, unknown>) => signed('RS256', privateKey, { iss: server.issuer, aud: 'cube-api', ...claims }, { kid: 'oidc-1' })
    const run = await runBundle({ ...PATIENT_JWKS, AUTHORIZER_OIDC_ISSUER: server.issuer, CUBEJS_JWT_AUDIENCE: 'cube-api' }, [
      { type: 'TOKEN', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x', authorizationToken: `Bearer ${await token({ sub: 'alice' })}` },
      { type: 'TOKEN', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x', authorizationToken: `Bearer ${await token({ sub: 'bob', iss: 'https://elsewhere.example/' })}` },
    ])
    expect(results(run)).toEqual(['alice', 'Unauthorized'])
    expect([server.discoveryRequests, server.jwksRequests]).toEqual([1, 1])
    expect(run.logs.filter((entry) => entry.message === 'oidc_discovered')).toHaveLength(1)
  })
})

describe('dist/authorizer.mjs with AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_MAX_TOKEN_AGE_SECONDS', () => {
  it('allows a WebSocket $connect by its ?token=, refuses an old one, and never prints the token', async () => {
    const now = Math.floor(Date.now() / 1000)
    const fresh = await hs256(SECRET, { sub: 'ws-user', iat: now })
    const old = await hs256(SECRET, { sub: 'old-user', iat: now - 7200, exp: now + 86_400 })
    const connect = (token: string) => ({ ...websocketConnectEvent(), queryStringParameters: { token }, multiValueQueryStringParameters: { token: [token] } })
    const run = await runBundle({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_TOKEN_QUERY_PARAM: 'token', AUTHORIZER_MAX_TOKEN_AGE_SECONDS: '3600' }, [connect(fresh), connect(old)])
    expect(results(run)).toEqual(['ws-user', 'Unauthorized'])
    expect(run.outcomes[0]).toMatchObject({ ok: true, result: { policyDocument: { Statement: [{ Effect: 'Allow', Resource: WEBSOCKET_STAGE_RESOURCE }] } } })
    expect(run.logs.filter((entry) => entry.message === 'decision').map((d) => [d.reason, d.token_source])).toEqual([['ok', 'query'], ['token_too_old', 'query']])
    for (const part of [fresh, old, ...fresh.split('.').slice(1), ...old.split('.').slice(1), SECRET]) expect(run.output).not.toContain(part)
  })
})
