// OIDC discovery end to end against a local OpenID provider on 127.0.0.1: discovery document, then its JWKS.
import { describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import type { Settings } from '../../../lib/settings/env.js'
import { ErrorCode } from '../../../lib/errors.js'
import { generateJwk, trapServer } from '../../support/jwks-server.js'
import { startOidcServer, type OidcServer } from '../../support/oidc-server.js'
import { capturedLogger, restTokenEvent, signed } from '../../support/tokens.js'
import { closedAfterEach } from '../../support/closed-after-each.js'
import { PATIENT_JWKS, PATIENTLY } from '../../support/patience.js'

const track = closedAfterEach()
const AUDIENCE = 'cube-api'
const START_MS = 1_800_000_000_000

async function provider(kid: string, path?: string) {
  const { privateKey, publicJwk } = await generateJwk('RS256', kid)
  const server = track(await startOidcServer({ keys: [publicJwk] }, path))
  const token = (claims: Record<string, unknown> = {}) => signed('RS256', privateKey, { iss: server.issuer, aud: AUDIENCE, sub: 'alice', ...claims }, { kid })
  return { server, token }
}

function authorizer(settings: Settings, env: Settings = {}) {
  const clock = { ms: START_MS }
  const log = capturedLogger(() => clock.ms)
  const handler = createAuthorizer({ settings: () => ({ ...PATIENT_JWKS, CUBEJS_JWT_AUDIENCE: AUDIENCE, ...settings }), env, logger: log.logger, now: () => clock.ms })
  const outcome = (token: string) => handler(restTokenEvent(`Bearer ${token}`)).then((r) => `allow:${(r as { principalId: string }).principalId}`, (e: Error) => e.message)
  return { clock, log, outcome }
}

const decisions = (log: ReturnType<typeof capturedLogger>) => log.named('decision').map((d) => [d.outcome, d.reason, d.setting])

describe('AUTHORIZER_OIDC_ISSUER', () => {
  it("discovers the issuer's jwks_uri once, verifies its tokens with those keys, and checks iss", async () => {
    const { server, token } = await provider('k1')
    const { log, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await outcome(await token())).toBe('allow:alice')
    expect(await outcome(await token({ sub: 'bob' }))).toBe('allow:bob')
    expect(await outcome(await token({ iss: `${server.issuer}/other` }))).toBe('Unauthorized')
    expect([server.discoveryRequests, server.jwksRequests]).toEqual([1, 1])
    expect(log.named('oidc_discovered')).toMatchObject([{ issuer: server.issuer, jwks_url: server.jwksUrl }])
    expect(decisions(log).map(([, reason]) => reason)).toEqual(['ok', 'ok', ErrorCode.ISSUER_MISMATCH])
  })

  it('keeps the issuer exactly as written: a trailing slash is part of it (Auth0), not of the discovery path', async () => {
    const { server, token } = await provider('k1', '/')
    expect(server.issuer.endsWith('/')).toBe(true)
    const { outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await outcome(await token())).toBe('allow:alice')
    expect(await outcome(await token({ iss: server.issuer.slice(0, -1) }))).toBe('Unauthorized')
  })

  it('runs discovery and the JWKS fetch in the init phase, before any request, when the environment names the issuer', async () => {
    const { server, token } = await provider('k1')
    const env: Settings = { ...PATIENT_JWKS, AUTHORIZER_OIDC_ISSUER: server.issuer, CUBEJS_JWT_AUDIENCE: AUDIENCE }
    const { outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer }, env)
    await vi.waitFor(() => expect([server.discoveryRequests, server.jwksRequests]).toEqual([1, 1]), PATIENTLY)
    expect(await outcome(await token())).toBe('allow:alice')
    expect([server.discoveryRequests, server.jwksRequests]).toEqual([1, 1])
  })

  it('refuses a document whose issuer differs from the setting: configuration error (500), logged with the setting', async () => {
    const { server, token } = await provider('k1')
    server.setMode({ kind: 'wrongIssuer', issuer: `${server.issuer}/` })
    const { log, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await outcome(await token())).toBe(`Authorizer error: ${ErrorCode.CONFIG_INVALID}`)
    expect(decisions(log)).toEqual([['error', ErrorCode.CONFIG_INVALID, 'AUTHORIZER_OIDC_ISSUER']])
    expect(log.named('oidc_discovery_failed')).toHaveLength(1)
    expect(server.jwksRequests).toBe(0)
  })

  it("refuses a jwks_uri on another host unless AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST=true", async () => {
    const { server, token } = await provider('k1')
    server.setMode({ kind: 'foreignJwks' })
    const strict = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await strict.outcome(await token())).toBe(`Authorizer error: ${ErrorCode.CONFIG_INVALID}`)
    expect(server.jwksRequests).toBe(0)
    const allowed = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer, AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST: 'true' })
    expect(await allowed.outcome(await token())).toBe('allow:alice')
    expect(server.jwksRequests).toBe(1)
  })

  it.each([
    ['hangs', { kind: 'hang' } as const],
    ['answers 500', { kind: 'status', status: 500 } as const],
    ['answers more than the size cap', { kind: 'huge', bytes: 600 * 1024 } as const],
  ])('fails closed (500, oidc_discovery_failed) when the provider %s', async (_what, mode) => {
    const { server, token } = await provider('k1')
    server.setMode(mode)
    const { log, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer, AUTHORIZER_JWKS_TIMEOUT_MS: '200' })
    expect(await outcome(await token())).toBe(`Authorizer error: ${ErrorCode.OIDC_DISCOVERY_FAILED}`)
    expect(decisions(log)).toEqual([['error', ErrorCode.OIDC_DISCOVERY_FAILED, 'AUTHORIZER_OIDC_ISSUER']])
  })

  it('never follows a redirect: the target is never asked', async () => {
    const { server, token } = await provider('k1')
    const trap = track(await trapServer())
    server.setMode({ kind: 'redirect', location: `${trap.origin}/.well-known/openid-configuration` })
    const { log, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await outcome(await token())).toBe(`Authorizer error: ${ErrorCode.OIDC_DISCOVERY_FAILED}`)
    expect(log.named('oidc_discovery_failed')[0]?.detail).toContain('redirect refused')
    expect(trap.requests).toBe(0)
  })

  it('after a failure asks the provider again at most once per cooldown, then recovers', async () => {
    const { server, token } = await provider('k1')
    server.setMode({ kind: 'status', status: 500 })
    const { clock, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer, AUTHORIZER_JWKS_COOLDOWN_SECONDS: '30' })
    for (let i = 0; i < 5; i += 1) expect(await outcome(await token())).toBe(`Authorizer error: ${ErrorCode.OIDC_DISCOVERY_FAILED}`)
    expect(server.discoveryRequests).toBe(1)
    server.setMode({ kind: 'ok' })
    clock.ms += 29_000
    expect(await outcome(await token())).toBe(`Authorizer error: ${ErrorCode.OIDC_DISCOVERY_FAILED}`)
    expect(server.discoveryRequests).toBe(1)
    clock.ms += 1_000
    expect(await outcome(await token())).toBe('allow:alice')
    expect(server.discoveryRequests).toBe(2)
  })

  it('keeps a discovered jwks_uri for the life of the container, even when the provider fails later', async () => {
    const { server, token } = await provider('k1')
    const { clock, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUER: server.issuer })
    expect(await outcome(await token())).toBe('allow:alice')
    server.setMode({ kind: 'status', status: 500 })
    clock.ms += 7 * 86_400_000
    expect(await outcome(await token({ iat: Math.floor(clock.ms / 1000) }))).toBe('allow:alice')
    expect(server.discoveryRequests).toBe(1)
  })
})

describe('AUTHORIZER_OIDC_ISSUERS', () => {
  async function two(): Promise<[{ server: OidcServer; token: (c?: Record<string, unknown>) => Promise<string> }, { server: OidcServer; token: (c?: Record<string, unknown>) => Promise<string> }]> {
    return [await provider('key-a'), await provider('key-b')]
  }

  it("verifies each issuer's tokens with that issuer's discovered keys, and refuses other issuers", async () => {
    const [a, b] = await two()
    const { outcome } = authorizer({ AUTHORIZER_OIDC_ISSUERS: `${a.server.issuer}, ${b.server.issuer}` })
    expect(await outcome(await a.token({ sub: 'from-a' }))).toBe('allow:from-a')
    expect(await outcome(await b.token({ sub: 'from-b' }))).toBe('allow:from-b')
    expect(await outcome(await a.token({ iss: b.server.issuer }))).toBe('Unauthorized')
    expect(await outcome(await a.token({ iss: 'https://elsewhere.example/' }))).toBe('Unauthorized')
    expect([a.server.discoveryRequests, b.server.discoveryRequests]).toEqual([1, 1])
  })

  it('fails closed while any one issuer cannot be discovered', async () => {
    const [a, b] = await two()
    b.server.setMode({ kind: 'wrongIssuer', issuer: a.server.issuer })
    const { log, outcome } = authorizer({ AUTHORIZER_OIDC_ISSUERS: `${a.server.issuer},${b.server.issuer}` })
    expect(await outcome(await a.token())).toBe(`Authorizer error: ${ErrorCode.CONFIG_INVALID}`)
    expect(decisions(log)).toEqual([['error', ErrorCode.CONFIG_INVALID, 'AUTHORIZER_OIDC_ISSUERS']])
  })

  it('leaves no unhandled rejection when one issuer is still cooling down while another is being asked', async () => {
    const [a, b] = await two()
    b.server.setMode({ kind: 'status', status: 500 })
    a.server.setMode({ kind: 'hang' })
    const clock = { ms: START_MS }
    const log = capturedLogger(() => clock.ms)
    let settings: Settings = { CUBEJS_JWT_AUDIENCE: AUDIENCE, AUTHORIZER_JWKS_TIMEOUT_MS: '200', AUTHORIZER_OIDC_ISSUERS: b.server.issuer }
    const handler = createAuthorizer({ settings: () => settings, env: {}, logger: log.logger, now: () => clock.ms })
    await expect(handler(restTokenEvent(`Bearer ${await b.token()}`))).rejects.toThrow(ErrorCode.OIDC_DISCOVERY_FAILED)
    // A joins while B is within its cooldown: B answers at once, A's discovery is left running with no one awaiting it.
    settings = { ...settings, AUTHORIZER_OIDC_ISSUERS: `${a.server.issuer},${b.server.issuer}` }
    await expect(handler(restTokenEvent(`Bearer ${await a.token()}`))).rejects.toThrow(ErrorCode.OIDC_DISCOVERY_FAILED)
    await vi.waitFor(() => expect(log.named('oidc_discovery_failed')).toHaveLength(2), PATIENTLY)
  })
})
